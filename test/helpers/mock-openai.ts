import type { MockHandler, RecordedRequest, StreamOptions } from './mock-server.js'
import { sendJson, streamEvents } from './mock-server.js'

/** OpenAI Chat Completions wire format, as api.openai.com answers (shapes taken from its API reference). */

export interface OpenAIToolCall { id: string, name: string, arguments: string }

export interface OpenAIAnswer {
  content?: string
  toolCalls?: OpenAIToolCall[]
  /** Details given are merged into OpenAI's (zero) ones: cached_tokens, audio_tokens, reasoning_tokens. */
  usage?: { prompt_tokens: number, completion_tokens: number, prompt_tokens_details?: Record<string, number>, completion_tokens_details?: Record<string, number> }
  model?: string
}

const DEFAULT_USAGE = { prompt_tokens: 9, completion_tokens: 12 }

function usageOf (answer: OpenAIAnswer): Record<string, unknown> {
  const u: NonNullable<OpenAIAnswer['usage']> = answer.usage ?? DEFAULT_USAGE
  return {
    ...u,
    total_tokens: u.prompt_tokens + u.completion_tokens,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0, ...u.prompt_tokens_details },
    completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0, ...u.completion_tokens_details }
  }
}

export function openAICompletion (answer: OpenAIAnswer): Record<string, unknown> {
  const toolCalls = answer.toolCalls?.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments } }))
  return {
    id: 'chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG',
    object: 'chat.completion',
    created: 1741570283,
    model: answer.model ?? 'gpt-4o-2024-08-06',
    choices: [{
      index: 0,
      message: { role: 'assistant', content: answer.content ?? null, refusal: null, annotations: [], ...(toolCalls !== undefined ? { tool_calls: toolCalls } : {}) },
      logprobs: null,
      finish_reason: toolCalls !== undefined ? 'tool_calls' : 'stop'
    }],
    usage: usageOf(answer),
    service_tier: 'default',
    system_fingerprint: 'fp_fc9f1d7035'
  }
}

/**
 * The data payloads of a streamed answer: role chunk, content pieces, tool-call pieces (id and name
 * first, then the arguments in two halves), the finish chunk, and with include_usage a usage chunk
 * with no choices (every other chunk then carries "usage": null, as OpenAI's do).
 */
export function openAIChunks (answer: OpenAIAnswer, includeUsage: boolean, pieces = 3): string[] {
  const base = { id: 'chatcmpl-stream1', object: 'chat.completion.chunk', created: 1741570283, model: answer.model ?? 'gpt-4o-2024-08-06', service_tier: 'default', system_fingerprint: 'fp_fc9f1d7035' }
  const chunk = (delta: Record<string, unknown>, finish: string | null = null): string =>
    JSON.stringify({ ...base, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }], ...(includeUsage ? { usage: null } : {}) })
  const out = [chunk({ role: 'assistant', content: '', refusal: null })]
  const text = answer.content ?? ''
  const size = Math.max(1, Math.ceil(text.length / pieces))
  for (let i = 0; i < text.length; i += size) out.push(chunk({ content: text.slice(i, i + size) }))
  for (const [index, call] of (answer.toolCalls ?? []).entries()) {
    out.push(chunk({ tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.name, arguments: '' } }] }))
    const half = Math.ceil(call.arguments.length / 2)
    out.push(chunk({ tool_calls: [{ index, function: { arguments: call.arguments.slice(0, half) } }] }))
    out.push(chunk({ tool_calls: [{ index, function: { arguments: call.arguments.slice(half) } }] }))
  }
  out.push(chunk({}, answer.toolCalls !== undefined ? 'tool_calls' : 'stop'))
  if (includeUsage) out.push(JSON.stringify({ ...base, choices: [], usage: usageOf(answer) }))
  return out
}

export const openAIMock = {
  /** Answers a non-streamed or streamed request, whichever it is, with `answer`. */
  answer (answer: OpenAIAnswer, options: StreamOptions = {}): MockHandler {
    return async (req: RecordedRequest, res) => {
      if (req.body?.stream !== true) return sendJson(res, 200, openAICompletion(answer))
      const includeUsage = req.body?.stream_options?.include_usage === true
      const events = openAIChunks(answer, includeUsage).map((data) => `data: ${data}\n\n`)
      await streamEvents(res, [...events, 'data: [DONE]\n\n'], options)
    }
  },

  /** An error in OpenAI's shape. */
  error (status: number, message: string, headers: Record<string, string> = {}): MockHandler {
    return (_req, res) => sendJson(res, status, { error: { message, type: 'invalid_request_error', param: null, code: null } }, headers)
  }
}

/** The Responses API (POST /responses) of the same mock: test/helpers/mock-openai-responses.ts. */
export { openAIResponsesMock, openAIResponse, openAIResponseEvents } from './mock-openai-responses.js'
