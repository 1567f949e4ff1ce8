import type { FastifyBaseLogger } from 'fastify'
import type { Redis } from 'ioredis'
import type { TokenWindow } from './memory.js'

const MINUTE = 60_000

// One counter per key and minute, expiring shortly after its minute. Check and add are one script, so replicas
// taking at once cannot pass the limit together.
const TAKE = `
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
if used + tonumber(ARGV[1]) > tonumber(ARGV[2]) then return {0, used} end
used = redis.call('INCRBY', KEYS[1], ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return {1, used}`

// Corrections never create a window (the minute may have passed) nor take it below zero.
const ADJUST = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local used = redis.call('INCRBY', KEYS[1], ARGV[1])
if used < 0 then redis.call('SET', KEYS[1], 0, 'KEEPTTL') end
return 1`

interface TokenCommands {
  tokensTake: (key: string, tokens: number, limit: number, ttlMs: number) => Promise<[number, number]>
  tokensAdjust: (key: string, delta: number) => Promise<number>
}

/**
 * Tokens per minute shared by every replica: a fixed window per key and minute, like MemoryTokenWindow.
 * Fails open: a rate limit protects capacity, not money (budgets fail closed), so while Redis is down a call is
 * admitted, and logged loudly once per outage by the Redis client.
 */
export class RedisTokenWindow implements TokenWindow {
  private readonly commands: TokenCommands

  constructor (redis: Redis, private readonly log: FastifyBaseLogger) {
    redis.defineCommand('tokensTake', { numberOfKeys: 1, lua: TAKE })
    redis.defineCommand('tokensAdjust', { numberOfKeys: 1, lua: ADJUST })
    this.commands = redis as unknown as TokenCommands
  }

  async take (keyId: string, tokens: number, limit: number): Promise<{ ok: true, remaining: number, resetMs: number } | { ok: false, remaining: number, resetMs: number }> {
    const now = Date.now()
    const start = now - (now % MINUTE)
    const resetMs = start + MINUTE - now
    try {
      const [ok, used] = await this.commands.tokensTake(windowKey(keyId, start), tokens, limit, resetMs + MINUTE)
      return { ok: ok === 1, remaining: Math.max(0, limit - used), resetMs }
    } catch (err) {
      this.log.warn({ err: { message: (err as Error).message } }, 'tokens-per-minute not enforced: Redis unavailable')
      return { ok: true, remaining: limit, resetMs }
    }
  }

  async adjust (keyId: string, delta: number): Promise<void> {
    const now = Date.now()
    try {
      await this.commands.tokensAdjust(windowKey(keyId, now - (now % MINUTE)), delta)
    } catch {
      // the window is gone within two minutes anyway; the outage itself is logged by the client
    }
  }
}

function windowKey (keyId: string, start: number): string {
  return `tpm:${keyId}:${start}`
}
