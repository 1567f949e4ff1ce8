import type { MockHandler, RecordedRequest, StreamOptions } from './mock-server.js'
import { sendJson, streamEvents } from './mock-server.js'

/** Anthropic Messages API wire format (POST /v1/messages), streaming events included, as documented by Anthropic. */

export interface AnthropicToolUse { id: string, name: string, input: Record<string, unknown> }

export interface AnthropicAnswer {
  text?: string
  toolUses?: AnthropicToolUse[]
  stopReason?: string
  model?: string
  usage?: {
    input_tokens: number
    output_tokens: number
    cache_read_input_tokens?: number
    cache_creation_input_tokens?: number
    cache_creation?: { ephemeral_5m_input_tokens: number, ephemeral_1h_input_tokens: number }
  }
}

const DEFAULT_USAGE = { input_tokens: 25, output_tokens: 15 }

function stopReason (answer: AnthropicAnswer): string {
  return answer.stopReason ?? (answer.toolUses !== undefined ? 'tool_use' : 'end_turn')
}

export function anthropicMessage (answer: AnthropicAnswer): Record<string, unknown> {
  const usage = answer.usage ?? DEFAULT_USAGE
  return {
    id: 'msg_01XFDUDYJgAACzvnptvVoYEL',
    type: 'message',
    role: 'assistant',
    model: answer.model ?? 'claude-sonnet-4-5-20250929',
    content: [
      ...(answer.text !== undefined ? [{ type: 'text', text: answer.text }] : []),
      ...(answer.toolUses ?? []).map((u) => ({ type: 'tool_use', ...u }))
    ],
    stop_reason: stopReason(answer),
    stop_sequence: null,
    usage: { cache_creation_input_tokens: 0, cache_read_input_tokens: 0, service_tier: 'standard', ...usage }
  }
}

const frame = (type: string, data: Record<string, unknown>): string => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`

/** The named events of a streamed answer, in Anthropic's order: text block, then one block per tool use. */
export function anthropicEvents (answer: AnthropicAnswer): string[] {
  const usage = answer.usage ?? DEFAULT_USAGE
  const message = anthropicMessage(answer)
  const events = [
    frame('message_start', { message: { ...message, content: [], stop_reason: null, usage: { ...message.usage as object, output_tokens: 1 } } }),
    frame('ping', {})
  ]
  let index = 0
  if (answer.text !== undefined) {
    events.push(frame('content_block_start', { index, content_block: { type: 'text', text: '' } }))
    const words = answer.text.split(/(?<= )/)
    for (const word of words) events.push(frame('content_block_delta', { index, delta: { type: 'text_delta', text: word } }))
    events.push(frame('content_block_stop', { index }))
    index++
  }
  for (const use of answer.toolUses ?? []) {
    events.push(frame('content_block_start', { index, content_block: { type: 'tool_use', id: use.id, name: use.name, input: {} } }))
    const json = JSON.stringify(use.input)
    const half = Math.ceil(json.length / 2)
    for (const piece of ['', json.slice(0, half), json.slice(half)]) {
      events.push(frame('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: piece } }))
    }
    events.push(frame('content_block_stop', { index }))
    index++
  }
  events.push(frame('message_delta', { delta: { stop_reason: stopReason(answer), stop_sequence: null }, usage: { output_tokens: usage.output_tokens } }))
  events.push(frame('message_stop', {}))
  return events
}

export const anthropicMock = {
  answer (answer: AnthropicAnswer, options: StreamOptions = {}): MockHandler {
    return async (req: RecordedRequest, res) => {
      if (req.body?.stream !== true) return sendJson(res, 200, anthropicMessage(answer))
      await streamEvents(res, anthropicEvents(answer), options)
    }
  },

  /** Streams the first `after` events of `answer`, then an error event (e.g. overloaded_error). */
  failMidStream (answer: AnthropicAnswer, after: number, type: string, message: string): MockHandler {
    return async (_req, res) => {
      const events = anthropicEvents(answer).slice(0, after)
      await streamEvents(res, [...events, `event: error\ndata: ${JSON.stringify({ type: 'error', error: { type, message } })}\n\n`])
    }
  },

  error (status: number, type: string, message: string, headers: Record<string, string> = {}): MockHandler {
    return (_req, res) => sendJson(res, status, { type: 'error', error: { type, message }, request_id: 'req_011CSHoEeqs5C35K2UUqR7Fy' }, headers)
  }
}
