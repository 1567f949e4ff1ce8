/**
 * Tokens in `bytes` of UTF-8 text when the provider reports none: about four bytes a token for English with BPE
 * tokenizers (OpenAI's rule of thumb), so what is metered tracks what was sent instead of being free.
 */
export function estimatedTokens (bytes: number): number {
  return Math.ceil(bytes / 4)
}

/** Upper bound (every token is at least one byte, or one id of a token array) and estimate of an input's tokens. */
export interface InputTokens {
  bound: number
  estimate: number
}

/** The tokens of an embeddings input: texts by their UTF-8 size, token arrays by their length. */
export function embeddingInputTokens (input: string | readonly unknown[]): InputTokens {
  const items: readonly unknown[] = typeof input === 'string' || typeof input[0] === 'number' ? [input] : input
  let bound = 0
  let estimate = 0
  for (const item of items) {
    if (typeof item === 'string') {
      const bytes = Buffer.byteLength(item)
      bound += bytes
      estimate += estimatedTokens(bytes)
    } else if (Array.isArray(item)) {
      bound += item.length
      estimate += item.length
    }
  }
  return { bound, estimate }
}

/** The tokens of a text prompt (an image prompt). */
export function textTokens (text: string): InputTokens {
  const bytes = Buffer.byteLength(text)
  return { bound: bytes, estimate: estimatedTokens(bytes) }
}
