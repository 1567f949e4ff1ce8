import { assistantMessage, completionId, unixNow, usageOf, type FinishReason } from '../chunks.js'
import type { ChatCompletion, Usage } from '#upstream/types.js'

export interface AnthropicUsage {
  input_tokens?: number | null
  output_tokens?: number | null
  cache_creation_input_tokens?: number | null
  cache_read_input_tokens?: number | null
  /** Cache writes by lifetime; their sum is cache_creation_input_tokens. */
  cache_creation?: { ephemeral_5m_input_tokens?: number | null, ephemeral_1h_input_tokens?: number | null } | null
}

type ResponseBlock =
  | { type: 'text', text: string }
  | { type: 'tool_use', id: string, name: string, input: unknown }
  | { type: string }

export interface AnthropicResponse {
  id: string
  model: string
  content: ResponseBlock[]
  stop_reason: string | null
  usage: AnthropicUsage
}

/**
 * Anthropic counts cache reads and writes apart from input_tokens; OpenAI's prompt_tokens include them. Cache writes
 * are split by lifetime (1-hour writes cost more); thinking is part of output_tokens and not reported apart.
 */
export function toUsage (u: AnthropicUsage): Usage {
  const cacheRead = u.cache_read_input_tokens ?? 0
  const cacheWrite = u.cache_creation_input_tokens ?? 0
  const cacheWrite1h = Math.min(u.cache_creation?.ephemeral_1h_input_tokens ?? 0, cacheWrite)
  const prompt = (u.input_tokens ?? 0) + cacheWrite + cacheRead
  return usageOf(prompt, u.output_tokens ?? 0, {
    cached: u.cache_read_input_tokens != null ? cacheRead : undefined,
    cacheWrite: cacheWrite - cacheWrite1h,
    cacheWrite1h
  })
}

/** A stream's usage so far: message_start reports the prompt's counts, each message_delta cumulative counts (it may restate input ones). */
export class StreamUsage {
  private counts: AnthropicUsage = {}

  started (usage: AnthropicUsage | undefined): Usage {
    this.counts = { ...usage }
    return toUsage(this.counts)
  }

  delta (usage: AnthropicUsage | undefined): Usage {
    this.counts = { ...this.counts, ...Object.fromEntries(Object.entries(usage ?? {}).filter(([, v]) => v != null)) }
    return toUsage(this.counts)
  }

  get current (): Usage {
    return toUsage(this.counts)
  }
}

export function toFinishReason (stopReason: string | null | undefined): FinishReason {
  switch (stopReason) {
    case null:
    case undefined: return null
    case 'max_tokens':
    case 'model_context_window_exceeded': return 'length'
    case 'tool_use': return 'tool_calls'
    case 'refusal': return 'content_filter'
    default: return 'stop' // end_turn, stop_sequence, pause_turn
  }
}

export function toChatCompletion (message: AnthropicResponse): ChatCompletion {
  const text = message.content.filter((b): b is { type: 'text', text: string } => b.type === 'text').map((b) => b.text).join('')
  const toolCalls = message.content
    .filter((b): b is { type: 'tool_use', id: string, name: string, input: unknown } => b.type === 'tool_use')
    .map((b) => ({ id: b.id, type: 'function' as const, function: { name: b.name, arguments: JSON.stringify(b.input ?? {}) } }))
  return {
    id: completionId(message.id),
    object: 'chat.completion',
    created: unixNow(),
    model: message.model,
    choices: [{
      index: 0,
      message: assistantMessage(text, toolCalls),
      logprobs: null,
      finish_reason: toFinishReason(message.stop_reason)
    }],
    usage: toUsage(message.usage)
  }
}
