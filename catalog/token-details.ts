import type { UsageType } from '#schemas/chat.js'
import type { TokenDetails } from '#schemas/usage-event.js'

/** A count the provider reported, or undefined for anything that is not a non-negative integer. */
function count (value: unknown): number | undefined {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0 ? value : undefined
}

/**
 * The priced parts of an OpenAI-shaped usage: cache reads (`prompt_tokens_details.cached_tokens`), Anthropic cache
 * writes (`cache_write_tokens`, `cache_write_1h_tokens`), audio (`audio_tokens` on either side) and reasoning
 * (`completion_tokens_details.reasoning_tokens`). Each adapter puts its provider's counts in these fields.
 */
export function tokenDetailsOf (usage: UsageType): TokenDetails {
  const prompt = usage.prompt_tokens_details ?? undefined
  const completion = usage.completion_tokens_details ?? undefined
  const details: TokenDetails = {}
  const cached = count(prompt?.cached_tokens)
  const write = count(prompt?.cache_write_tokens)
  const write1h = count(prompt?.cache_write_1h_tokens)
  const audioIn = count(prompt?.audio_tokens)
  const reasoning = count(completion?.reasoning_tokens)
  const audioOut = count(completion?.audio_tokens)
  if (cached !== undefined) details.cachedTokens = cached
  if (write !== undefined) details.cacheWriteTokens = write
  if (write1h !== undefined) details.cacheWrite1hTokens = write1h
  if (audioIn !== undefined) details.audioInputTokens = audioIn
  if (reasoning !== undefined) details.reasoningTokens = reasoning
  if (audioOut !== undefined) details.audioOutputTokens = audioOut
  return details
}
