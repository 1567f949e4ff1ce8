import type { ClusterLink } from '../cluster/link.js'
import type { TakeAnswer, TokenWindow } from './memory.js'

/**
 * Tokens per minute of every worker of one machine (WORKERS > 1): the primary holds each key's window and checks
 * and adds in one step, so workers taking at once cannot pass the limit together. Fails open like the Redis window
 * (a rate limit protects capacity, not money) when the primary cannot answer.
 */
export class ClusterTokenWindow implements TokenWindow {
  constructor (private readonly link: ClusterLink) {}

  async take (keyId: string, tokens: number, limit: number): Promise<TakeAnswer> {
    try {
      return await this.link.request<TakeAnswer>({ op: 'tokens.take', key: keyId, tokens, limit })
    } catch {
      return { ok: true, remaining: limit, resetMs: 60_000 }
    }
  }

  async adjust (keyId: string, delta: number): Promise<void> {
    this.link.cast({ op: 'tokens.adjust', key: keyId, delta })
  }
}
