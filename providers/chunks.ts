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

/** Parts of the prompt and completion a provider reported (each already counted in the prompt or completion total). */
export interface UsageParts {
  cached?: number | undefined
  cacheWrite?: number | undefined
  cacheWrite1h?: number | undefined
  audioInput?: number | undefined
  reasoning?: number | undefined
  audioOutput?: number | undefined
}

/**
 * OpenAI's usage object: cache reads, audio and reasoning in OpenAI's own fields (`cached_tokens`, `audio_tokens`,
 * `reasoning_tokens`), cache writes in Hubgate's `cache_write_tokens` / `cache_write_1h_tokens` (OpenAI has none).
 * A part the provider did not report is left out; cache writes and audio also when 0.
 */
export function usageOf (prompt: number, completion: number, parts: UsageParts = {}): Usage {
  const usage: Usage = { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion }
  const promptDetails: NonNullable<Usage['prompt_tokens_details']> = {}
  if (parts.cached !== undefined) promptDetails.cached_tokens = parts.cached
  if ((parts.cacheWrite ?? 0) > 0) promptDetails.cache_write_tokens = parts.cacheWrite
  if ((parts.cacheWrite1h ?? 0) > 0) promptDetails.cache_write_1h_tokens = parts.cacheWrite1h
  if ((parts.audioInput ?? 0) > 0) promptDetails.audio_tokens = parts.audioInput
  if (Object.keys(promptDetails).length > 0) usage.prompt_tokens_details = promptDetails
  const completionDetails: NonNullable<Usage['completion_tokens_details']> = {}
  if (parts.reasoning !== undefined) completionDetails.reasoning_tokens = parts.reasoning
  if ((parts.audioOutput ?? 0) > 0) completionDetails.audio_tokens = parts.audioOutput
  if (Object.keys(completionDetails).length > 0) usage.completion_tokens_details = completionDetails
  return usage
}
