import type { ClusterLink } from '../cluster/link.js'
import { MemoryConcurrencySlots, once, type ConcurrencySlots, type Release } from './memory.js'

/**
 * Concurrent-call slots of every worker of one machine (WORKERS > 1), counted by the primary. A worker that dies
 * gives its slots back through the primary (it sees the exit), so no lease renewal is needed. If the primary cannot
 * answer, the worker counts its own calls (the cap then holds per worker), as the Redis slots do without Redis.
 */
export class ClusterConcurrencySlots implements ConcurrencySlots {
  private readonly local = new MemoryConcurrencySlots()

  constructor (private readonly link: ClusterLink) {}

  async acquire (keyId: string, limit: number): Promise<Release | undefined> {
    let lease: number | null
    try {
      lease = await this.link.request<number | null>({ op: 'slots.acquire', key: keyId, limit })
    } catch {
      return this.local.take(keyId, limit)
    }
    if (lease === null) return undefined
    const held = lease
    return once(() => { this.link.cast({ op: 'slots.release', lease: held }) })
  }

  close (): void {}
}
