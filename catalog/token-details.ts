import type { UsageType } from '#schemas/chat.js'
import type { TokenDetails } from '#schemas/usage-event.js'

/** A count the provider reported, or undefined for 0 and anything that is not a positive integer. */
function count (value: unknown): number | undefined {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0 ? value : undefined
}

/**
 * The priced parts of an OpenAI-shaped usage: cache reads (`prompt_tokens_details.cached_tokens`), Anthropic cache
 * writes (`cache_write_tokens`, `cache_write_1h_tokens`), audio (`audio_tokens` on either side) and reasoning
 * (`completion_tokens_details.reasoning_tokens`). Each adapter puts its provider's counts in these fields.
 */
export function tokenDetailsOf (usage: UsageType): TokenDetails {
  const details: TokenDetails = {}
  assignTokenDetails(details, usage)
  return details
}

/** Sets the token details of `usage` on `target` field by field (no spread: usage events are built on the request path). */
export function assignTokenDetails (target: TokenDetails, usage: UsageType): void {
  const prompt = usage.prompt_tokens_details ?? undefined
  const completion = usage.completion_tokens_details ?? undefined
  if (prompt !== undefined) {
    const cached = count(prompt.cached_tokens)
    const write = count(prompt.cache_write_tokens)
    const write1h = count(prompt.cache_write_1h_tokens)
    const audio = count(prompt.audio_tokens)
    if (cached !== undefined) target.cachedTokens = cached
    if (write !== undefined) target.cacheWriteTokens = write
    if (write1h !== undefined) target.cacheWrite1hTokens = write1h
    if (audio !== undefined) target.audioInputTokens = audio
  }
  if (completion !== undefined) {
    const reasoning = count(completion.reasoning_tokens)
    const audio = count(completion.audio_tokens)
    if (reasoning !== undefined) target.reasoningTokens = reasoning
    if (audio !== undefined) target.audioOutputTokens = audio
  }
}
