import type { MockHandler, RecordedRequest, StreamOptions } from './mock-server.js'
import { sendJson, streamEvents } from './mock-server.js'

/** Anthropic Messages API wire format (POST /v1/messages), streaming events included, as documented by Anthropic. */

export interface AnthropicToolUse { id: string, name: string, input: Record<string, unknown> }

export interface AnthropicAnswer {
  /** Extended thinking: a thinking block (with its signature) before the text. */
  thinking?: { thinking: string, signature: string }
  text?: string
  toolUses?: AnthropicToolUse[]
  stopReason?: string
  model?: string
  usage?: AnthropicMockUsage
}

export interface AnthropicMockUsage {
  input_tokens: number
  output_tokens: number
  cache_read_input_tokens?: number
  cache_creation_input_tokens?: number
  /** The cache writes by lifetime, as Anthropic reports them; their sum is cache_creation_input_tokens. */
  cache_creation?: { ephemeral_5m_input_tokens: number, ephemeral_1h_input_tokens: number }
}

const DEFAULT_USAGE = { input_tokens: 25, output_tokens: 15 }

/** The usage object as Anthropic sends it: every cache field present (zero when nothing was cached). */
function wireUsage (usage: AnthropicMockUsage): Record<string, unknown> {
  const written = usage.cache_creation_input_tokens ?? 0
  return {
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
    cache_creation: usage.cache_creation ?? { ephemeral_5m_input_tokens: written, ephemeral_1h_input_tokens: 0 },
    service_tier: 'standard',
    ...usage
  }
}

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
      ...(answer.thinking !== undefined ? [{ type: 'thinking', ...answer.thinking }] : []),
      ...(answer.text !== undefined ? [{ type: 'text', text: answer.text }] : []),
      ...(answer.toolUses ?? []).map((u) => ({ type: 'tool_use', ...u }))
    ],
    stop_reason: stopReason(answer),
    stop_sequence: null,
    usage: wireUsage(usage)
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
  if (answer.thinking !== undefined) {
    events.push(frame('content_block_start', { index, content_block: { type: 'thinking', thinking: '', signature: '' } }))
    events.push(frame('content_block_delta', { index, delta: { type: 'thinking_delta', thinking: answer.thinking.thinking } }))
    events.push(frame('content_block_delta', { index, delta: { type: 'signature_delta', signature: answer.thinking.signature } }))
    events.push(frame('content_block_stop', { index }))
    index++
  }
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
  // message_delta restates the cumulative counts, cache fields included, as Anthropic's API does today
  const { cache_creation: _split, ...counts } = wireUsage(usage)
  void _split
  delete counts.service_tier
  events.push(frame('message_delta', { delta: { stop_reason: stopReason(answer), stop_sequence: null }, usage: counts }))
  events.push(frame('message_stop', {}))
  return events
}

export const anthropicMock = {
  /** Answers /v1/messages (streamed or not) with `answer`, and /v1/messages/count_tokens with its input_tokens. */
  answer (answer: AnthropicAnswer, options: StreamOptions = {}): MockHandler {
    return async (req: RecordedRequest, res) => {
      if (req.url.endsWith('/count_tokens')) return sendJson(res, 200, { input_tokens: (answer.usage ?? DEFAULT_USAGE).input_tokens })
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
