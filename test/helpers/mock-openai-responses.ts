import type { MockHandler, RecordedRequest, StreamOptions } from './mock-server.js'
import { sendJson, streamEvents } from './mock-server.js'
import type { OpenAIAnswer } from './mock-openai.js'

/**
 * OpenAI Responses API wire format (POST /v1/responses), as api.openai.com answers: the response object, and its
 * stream of named events with sequence numbers (shapes from OpenAI's API reference and openai-openapi).
 */

const DEFAULT_USAGE = { prompt_tokens: 11, completion_tokens: 7 }

function usageOf (answer: OpenAIAnswer): Record<string, unknown> {
  const u = answer.usage ?? DEFAULT_USAGE
  return {
    input_tokens: u.prompt_tokens,
    input_tokens_details: { cached_tokens: 0, cache_write_tokens: 0 },
    output_tokens: u.completion_tokens,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: u.prompt_tokens + u.completion_tokens
  }
}

function outputOf (answer: OpenAIAnswer): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = []
  if (answer.content !== undefined) {
    out.push({
      id: 'msg_67ccd3acc8d48190a77525dc6de64b4104becb25c31d2ca2',
      type: 'message',
      status: 'completed',
      content: [{ type: 'output_text', annotations: [], logprobs: [], text: answer.content }],
      role: 'assistant'
    })
  }
  for (const [i, call] of (answer.toolCalls ?? []).entries()) {
    out.push({ id: `fc_67ca09c6bedc8190a7abfec07b1a1332096610f474011cc${i}`, type: 'function_call', status: 'completed', arguments: call.arguments, call_id: call.id, name: call.name })
  }
  return out
}

/** The response object for `request`, echoing its settings like OpenAI does. */
export function openAIResponse (answer: OpenAIAnswer, request: Record<string, any> = {}, status = 'completed'): Record<string, unknown> {
  const done = status !== 'in_progress'
  return {
    id: 'resp_67ccd3a9da748190baa7f1570fe91ac604becb25c31d2ca2',
    object: 'response',
    created_at: 1741476777,
    status,
    background: false,
    completed_at: done ? 1741476778 : null,
    error: null,
    incomplete_details: null,
    instructions: request.instructions ?? null,
    max_output_tokens: request.max_output_tokens ?? null,
    max_tool_calls: null,
    model: answer.model ?? 'gpt-4o-2024-08-06',
    output: done ? outputOf(answer) : [],
    parallel_tool_calls: true,
    previous_response_id: null,
    prompt_cache_key: null,
    reasoning: { effort: null, summary: null },
    safety_identifier: null,
    service_tier: 'default',
    store: request.store ?? true,
    temperature: 1.0,
    text: { format: { type: 'text' }, verbosity: 'medium' },
    tool_choice: 'auto',
    tools: (request.tools ?? []).map((t: Record<string, unknown>) => ({ type: 'function', description: null, strict: true, ...t })),
    top_logprobs: 0,
    top_p: 1.0,
    truncation: 'disabled',
    ...(done ? { usage: usageOf(answer) } : {}),
    metadata: {}
  }
}

/** The named events of a streamed answer, in OpenAI's order. */
export function openAIResponseEvents (answer: OpenAIAnswer, request: Record<string, any> = {}): string[] {
  let sequence = 0
  const frame = (type: string, data: Record<string, unknown>): string =>
    `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: sequence++, ...data })}\n\n`
  const events = [
    frame('response.created', { response: openAIResponse(answer, request, 'in_progress') }),
    frame('response.in_progress', { response: openAIResponse(answer, request, 'in_progress') })
  ]
  for (const [index, item] of outputOf(answer).entries()) {
    const id = item.id as string
    if (item.type === 'message') {
      const text = answer.content ?? ''
      events.push(frame('response.output_item.added', { output_index: index, item: { id, type: 'message', status: 'in_progress', content: [], role: 'assistant' } }))
      events.push(frame('response.content_part.added', { item_id: id, output_index: index, content_index: 0, part: { type: 'output_text', annotations: [], logprobs: [], text: '' } }))
      for (const word of text.split(/(?<= )/)) {
        events.push(frame('response.output_text.delta', { item_id: id, output_index: index, content_index: 0, delta: word, logprobs: [], obfuscation: 'aB3' }))
      }
      events.push(frame('response.output_text.done', { item_id: id, output_index: index, content_index: 0, text, logprobs: [] }))
      events.push(frame('response.content_part.done', { item_id: id, output_index: index, content_index: 0, part: { type: 'output_text', annotations: [], logprobs: [], text } }))
    } else {
      const args = item.arguments as string
      const half = Math.ceil(args.length / 2)
      events.push(frame('response.output_item.added', { output_index: index, item: { ...item, status: 'in_progress', arguments: '' } }))
      for (const delta of [args.slice(0, half), args.slice(half)]) {
        events.push(frame('response.function_call_arguments.delta', { item_id: id, output_index: index, delta, obfuscation: 'x' }))
      }
      events.push(frame('response.function_call_arguments.done', { item_id: id, output_index: index, name: item.name, arguments: args }))
    }
    events.push(frame('response.output_item.done', { output_index: index, item }))
  }
  events.push(frame('response.completed', { response: openAIResponse(answer, request) }))
  return events
}

export const openAIResponsesMock = {
  /** Answers POST /responses, streamed or not, with `answer`. */
  answer (answer: OpenAIAnswer, options: StreamOptions = {}): MockHandler {
    return async (req: RecordedRequest, res) => {
      if (req.body?.stream !== true) return sendJson(res, 200, openAIResponse(answer, req.body))
      await streamEvents(res, openAIResponseEvents(answer, req.body), options)
    }
  },

  /** Streams the first `after` events of `answer`, then OpenAI's error event. */
  failMidStream (answer: OpenAIAnswer, after: number, message: string): MockHandler {
    return async (req, res) => {
      const events = openAIResponseEvents(answer, req.body).slice(0, after)
      const error = `event: error\ndata: ${JSON.stringify({ type: 'error', sequence_number: after, code: 'server_error', message, param: null })}\n\n`
      await streamEvents(res, [...events, error])
    }
  }
}
