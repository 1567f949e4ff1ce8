import { randomBytes } from 'node:crypto'
import { JsonPayload } from '#upstream/payload.js'
import type { ChatChunk, ChatCompletion, ChatCompletionChunk, Usage } from '#upstream/types.js'
import type { ToolCallType } from '#schemas/chat.js'

type Choice = ChatCompletionChunk['choices'][number]
export type ChunkDelta = Choice['delta']
export type FinishReason = Choice['finish_reason']

export function completionId (upstreamId?: string): string {
  return `chatcmpl-${upstreamId ?? randomBytes(12).toString('base64url')}`
}

/** The assistant message of a translated answer, with `refusal: null` as OpenAI's spec requires of every message. */
export function assistantMessage (text: string | null, toolCalls: ToolCallType[]): ChatCompletion['choices'][number]['message'] {
  return { role: 'assistant', content: text === '' && toolCalls.length > 0 ? null : text, refusal: null, ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}) }
}

export function unixNow (): number {
  return Math.floor(Date.now() / 1000)
}

/**
 * Builds the chat.completion.chunk objects of one translated stream: every chunk shares id, model and
 * created, as OpenAI's do. Adapters for non-OpenAI wire formats use it; pass-through ones never need it.
 */
export class ChunkBuilder {
  id = completionId()
  readonly created = unixNow()

  constructor (public model: string) {}

  delta (delta: ChunkDelta, finishReason: FinishReason = null, index = 0): ChatChunk {
    return this.chunk([{ index, delta, finish_reason: finishReason }])
  }

  /** The trailing chunk OpenAI sends with stream_options.include_usage: no choices, only usage. */
  usage (usage: Usage): ChatChunk {
    return this.chunk([], usage).withUsage(usage, true)
  }

  private chunk (choices: Choice[], usage?: Usage): ChatChunk {
    const chunk: ChatCompletionChunk = { id: this.id, object: 'chat.completion.chunk', created: this.created, model: this.model, choices }
    if (usage !== undefined) chunk.usage = usage
    return JsonPayload.fromValue(chunk)
  }
}

export function usageOf (prompt: number, completion: number, details: { cached?: number | undefined, reasoning?: number | undefined } = {}): Usage {
  const usage: Usage = { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion }
  if (details.cached !== undefined) usage.prompt_tokens_details = { cached_tokens: details.cached }
  if (details.reasoning !== undefined) usage.completion_tokens_details = { reasoning_tokens: details.reasoning }
  return usage
}
