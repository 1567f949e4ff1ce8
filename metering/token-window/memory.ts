/** Tokens-per-minute accounting: a fixed one-minute window per key; reservations are settled to real counts. */
export interface TokenWindow {
  /** Adds `tokens` when they fit under `limit` in the current minute; otherwise says when the window resets. */
  take: (keyId: string, tokens: number, limit: number) => Promise<{ ok: true, remaining: number, resetMs: number } | { ok: false, remaining: number, resetMs: number }>
  /** Corrects a taken amount by `delta` (negative when the call used fewer tokens than reserved). */
  adjust: (keyId: string, delta: number) => Promise<void>
}

const MINUTE = 60_000

export type TakeAnswer = { ok: true, remaining: number, resetMs: number } | { ok: false, remaining: number, resetMs: number }

export class MemoryTokenWindow implements TokenWindow {
  private readonly windows = new Map<string, { start: number, used: number }>()

  constructor (private readonly now: () => number = Date.now) {}

  async take (keyId: string, tokens: number, limit: number): Promise<TakeAnswer> {
    return this.takeNow(keyId, tokens, limit)
  }

  /** take() without the promise, for a caller that answers synchronously (the cluster primary's counters). */
  takeNow (keyId: string, tokens: number, limit: number): TakeAnswer {
    const now = this.now()
    const start = now - (now % MINUTE)
    let window = this.windows.get(keyId)
    if (window === undefined || window.start !== start) {
      window = { start, used: 0 }
      this.windows.set(keyId, window)
    }
    const resetMs = start + MINUTE - now
    if (window.used + tokens > limit) return { ok: false, remaining: Math.max(0, limit - window.used), resetMs }
    window.used += tokens
    return { ok: true, remaining: limit - window.used, resetMs }
  }

  async adjust (keyId: string, delta: number): Promise<void> {
    this.adjustNow(keyId, delta)
  }

  adjustNow (keyId: string, delta: number): void {
    const window = this.windows.get(keyId)
    if (window !== undefined) window.used = Math.max(0, window.used + delta)
  }

  /** Drops the windows of past minutes (a long-lived holder of many keys' windows calls it now and then). */
  sweep (): void {
    const now = this.now()
    const minute = now - (now % MINUTE)
    for (const [key, window] of this.windows) if (window.start !== minute) this.windows.delete(key)
  }
}
