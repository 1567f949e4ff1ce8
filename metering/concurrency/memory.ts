/**
 * Per-key cap on model calls in progress at once (`maxConcurrent`): a call takes a slot before it starts and gives it
 * back when its answer ends or its client leaves. This is the per-process count; metering/concurrency/redis.ts shares one
 * across replicas.
 */
export interface ConcurrencySlots {
  /** Takes one of `limit` slots of `keyId`: answers the function that gives it back (safe to call twice), or undefined when all are taken. */
  acquire: (keyId: string, limit: number) => Promise<Release | undefined>
  /** Stops background work (lease renewal); slots still held are given back by their calls. */
  close: () => void
}

export type Release = () => void

export class MemoryConcurrencySlots implements ConcurrencySlots {
  /** Key id → slots held; an entry goes with its last slot, so the map holds only keys with calls in progress. */
  private readonly held = new Map<string, number>()

  async acquire (keyId: string, limit: number): Promise<Release | undefined> {
    return this.take(keyId, limit)
  }

  /** acquire() without the promise, for callers that are synchronous (the Redis fallback). */
  take (keyId: string, limit: number): Release | undefined {
    const count = this.held.get(keyId) ?? 0
    if (count >= limit) return undefined
    this.held.set(keyId, count + 1)
    return once(() => {
      const left = (this.held.get(keyId) ?? 1) - 1
      if (left > 0) this.held.set(keyId, left)
      else this.held.delete(keyId)
    })
  }

  close (): void {}
}

export function once (fn: () => void): () => void {
  let done = false
  return () => {
    if (done) return
    done = true
    fn()
  }
}
