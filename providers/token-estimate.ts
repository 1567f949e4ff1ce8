/**
 * Tokens in `bytes` of UTF-8 text when the provider reports none: about four bytes a token for English with BPE
 * tokenizers (OpenAI's rule of thumb), so what is metered tracks what was sent instead of being free.
 */
export function estimatedTokens (bytes: number): number {
  return Math.ceil(bytes / 4)
}
