import type { ResponseUsageType } from '#schemas/responses.js'
import type { Usage } from '#upstream/types.js'

/*
 * The gateway meters OpenAI chat usage (prompt/completion tokens, cached and reasoning details); Responses name the
 * same counts input/output tokens (the other way: providers/openai-compatible/responses.ts, chatUsageOf).
 */

function count (value: unknown): number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : 0
}

/** Chat usage → a Responses `usage` object. */
export function toResponseUsage (usage: Usage): ResponseUsageType {
  const prompt = usage.prompt_tokens_details as Record<string, unknown> | undefined
  return {
    input_tokens: usage.prompt_tokens,
    input_tokens_details: { cached_tokens: count(prompt?.cached_tokens), cache_write_tokens: count(prompt?.cache_write_tokens) },
    output_tokens: usage.completion_tokens,
    output_tokens_details: { reasoning_tokens: count(usage.completion_tokens_details?.reasoning_tokens) },
    total_tokens: usage.total_tokens
  }
}
