import { randomUUID } from 'node:crypto'
import type { FastifyBaseLogger } from 'fastify'
import type { Redis } from 'ioredis'
import { MemoryConcurrencySlots, once, type ConcurrencySlots, type Release } from './memory.js'

/** How long a slot outlives the replica holding it when that replica dies without giving it back. */
const LEASE_MS = 30_000

// One sorted set per key: lease id → when it expires (Redis' clock, so replicas' clocks do not matter). Expired
// leases, left by a replica that crashed, are dropped before counting; check and add are one script, so replicas
// taking at once cannot pass the limit together.
const ACQUIRE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1`

// Extends a lease still held; one an acquire already dropped as expired (its slot maybe taken since) is not brought back.
const RENEW = `
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 0 end
local t = redis.call('TIME')
redis.call('ZADD', KEYS[1], 'XX', tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) + tonumber(ARGV[2]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1`

interface SlotCommands {
  slotAcquire: (key: string, lease: string, limit: number, leaseMs: number) => Promise<number>
  slotRenew: (key: string, lease: string, leaseMs: number) => Promise<number>
}

/**
 * Concurrent-call slots shared by every replica: each slot is a lease that its replica renews while the call runs,
 * so a crashed replica's slots free themselves within LEASE_MS. While Redis is unreachable each replica counts its
 * own calls instead (the cap then holds per replica, not across them).
 */
export class RedisConcurrencySlots implements ConcurrencySlots {
  private readonly commands: SlotCommands
  private readonly redis: Redis
  /** Lease id → the key's set, for renewal. */
  private readonly leases = new Map<string, string>()
  private readonly local = new MemoryConcurrencySlots()
  private readonly renewal: NodeJS.Timeout

  constructor (redis: Redis, private readonly log: FastifyBaseLogger, private readonly leaseMs = LEASE_MS) {
    redis.defineCommand('slotAcquire', { numberOfKeys: 1, lua: ACQUIRE })
    redis.defineCommand('slotRenew', { numberOfKeys: 1, lua: RENEW })
    this.redis = redis
    this.commands = redis as unknown as SlotCommands
    this.renewal = setInterval(() => { this.renew() }, Math.max(1, Math.floor(leaseMs / 3)))
    this.renewal.unref()
  }

  async acquire (keyId: string, limit: number): Promise<Release | undefined> {
    const key = slotsKey(keyId)
    const lease = randomUUID()
    try {
      if (await this.commands.slotAcquire(key, lease, limit, this.leaseMs) !== 1) return undefined
    } catch (err) {
      this.log.warn({ err: { message: (err as Error).message } }, 'concurrent calls counted per replica: Redis unavailable')
      return this.local.take(keyId, limit)
    }
    this.leases.set(lease, key)
    return once(() => {
      this.leases.delete(lease)
      // a release that fails leaves the lease to expire
      this.redis.zrem(key, lease).catch(() => {})
    })
  }

  private renew (): void {
    for (const [lease, key] of this.leases) {
      this.commands.slotRenew(key, lease, this.leaseMs).catch(() => {})
    }
  }

  close (): void {
    clearInterval(this.renewal)
  }
}

function slotsKey (keyId: string): string {
  return `concurrent:${keyId}`
}
