import { BudgetUnavailableError } from '#errors.js'
import type { FastifyBaseLogger } from 'fastify'
import type { Redis } from 'ioredis'
import type { BudgetCheck, BudgetLedger, BudgetReservation, SpentSince } from './memory.js'


/** An idle account is dropped after this long and re-seeded from the store (which by then holds every record). */
const ACCOUNT_TTL_S = 3_600
const SETTLE_ATTEMPTS = 5
const SETTLE_RETRY_MS = 1_000

// An account is a hash {spent, reserved} per key and period. Lua numbers leave Redis as integers, so amounts go
// back as strings. Every script refreshes the idle expiry.
const SEED = `
if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('HSET', KEYS[1], 'spent', ARGV[1], 'reserved', '0')
end
redis.call('EXPIRE', KEYS[1], ARGV[2])
return 1`

const RESERVE = `
if redis.call('EXISTS', KEYS[1]) == 0 then return {'unseeded', '0'} end
local spent = tonumber(redis.call('HGET', KEYS[1], 'spent') or '0')
local reserved = tonumber(redis.call('HGET', KEYS[1], 'reserved') or '0')
local remaining = tonumber(ARGV[1]) - spent - reserved
redis.call('EXPIRE', KEYS[1], ARGV[3])
if tonumber(ARGV[2]) > remaining then return {'refused', tostring(remaining)} end
redis.call('HINCRBYFLOAT', KEYS[1], 'reserved', ARGV[2])
return {'reserved', tostring(remaining - tonumber(ARGV[2]))}`

// An account that expired meanwhile is left alone: its re-seed reads the call's usage record from the store.
const SETTLE = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HINCRBYFLOAT', KEYS[1], 'reserved', -tonumber(ARGV[1]))
redis.call('HINCRBYFLOAT', KEYS[1], 'spent', ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[3])
return 1`

const USED = `
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
local spent = tonumber(redis.call('HGET', KEYS[1], 'spent') or '0')
local reserved = tonumber(redis.call('HGET', KEYS[1], 'reserved') or '0')
return tostring(spent + reserved)`

interface BudgetCommands {
  budgetSeed: (key: string, spent: string, ttl: number) => Promise<number>
  budgetReserve: (key: string, limit: string, estimate: string, ttl: number) => Promise<[string, string]>
  budgetSettle: (key: string, estimate: string, actual: string, ttl: number) => Promise<number>
  budgetUsed: (key: string) => Promise<string | null>
}

/**
 * Credit budgets shared by every replica. Check-and-reserve is one Lua script on the key's account, so it is atomic
 * across replicas without a lock; the account starts from the store's settled spend the first time it is used
 * (a seed that only writes when the account is missing, so replicas seeding at once agree).
 * Fails closed: when Redis or the store cannot be reached, reserve throws a 503 instead of admitting the call.
 */
export class RedisBudgetLedger implements BudgetLedger {
  private readonly commands: BudgetCommands
  private readonly seeding = new Map<string, Promise<void>>()

  constructor (redis: Redis, private readonly spentSince: SpentSince, private readonly log: FastifyBaseLogger) {
    redis.defineCommand('budgetSeed', { numberOfKeys: 1, lua: SEED })
    redis.defineCommand('budgetReserve', { numberOfKeys: 1, lua: RESERVE })
    redis.defineCommand('budgetSettle', { numberOfKeys: 1, lua: SETTLE })
    redis.defineCommand('budgetUsed', { numberOfKeys: 1, lua: USED })
    this.commands = redis as unknown as BudgetCommands
  }

  async reserve ({ keyId, app, periodStart, limit, estimate }: BudgetCheck): Promise<BudgetReservation | { refused: true, remaining: number }> {
    const account = accountKey(keyId, periodStart, app)
    const [outcome, left] = await this.unavailableAs503(async () => {
      const first = await this.commands.budgetReserve(account, String(limit), String(estimate), ACCOUNT_TTL_S)
      if (first[0] !== 'unseeded') return first
      await this.seed(account, keyId, periodStart, app)
      return await this.commands.budgetReserve(account, String(limit), String(estimate), ACCOUNT_TTL_S)
    })
    if (outcome === 'refused') return { refused: true, remaining: Math.max(0, Number(left)) }
    let settled = false
    return {
      settle: async (actual: number) => {
        if (settled) return
        settled = true
        await this.settle(account, estimate, actual)
      }
    }
  }

  async used (keyId: string, periodStart: string, app?: string): Promise<number> {
    const account = accountKey(keyId, periodStart, app)
    return await this.unavailableAs503(async () => {
      const known = await this.commands.budgetUsed(account)
      if (known !== null) return Number(known)
      await this.seed(account, keyId, periodStart, app)
      return Number(await this.commands.budgetUsed(account) ?? 0)
    })
  }

  /** Calls arriving together for a cold account share one store read per replica. */
  private async seed (account: string, keyId: string, periodStart: string, app: string | undefined): Promise<void> {
    let pending = this.seeding.get(account)
    if (pending === undefined) {
      pending = this.spentSince(keyId, periodStart, app)
        .then(async (spent) => { await this.commands.budgetSeed(account, String(spent), ACCOUNT_TTL_S) })
        .finally(() => this.seeding.delete(account))
      this.seeding.set(account, pending)
    }
    await pending
  }

  /** Retried for a while: an unsettled reservation keeps counting against the key until its account goes idle. */
  private async settle (account: string, estimate: number, actual: number): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.commands.budgetSettle(account, String(estimate), String(actual), ACCOUNT_TTL_S)
        return
      } catch (err) {
        if (attempt >= SETTLE_ATTEMPTS) {
          this.log.error({ err, estimate, actual }, 'could not settle a budget reservation in Redis: it stays reserved until the account is idle for an hour')
          return
        }
        await new Promise((resolve) => setTimeout(resolve, SETTLE_RETRY_MS))
      }
    }
  }

  private async unavailableAs503<T> (work: () => Promise<T>): Promise<T> {
    try {
      return await work()
    } catch (err) {
      this.log.warn({ err }, 'budget ledger unavailable (Redis or store): refusing the budgeted call')
      throw Object.assign(new BudgetUnavailableError(), { retryAfter: 1 })
    }
  }
}

/** The key's account, or (app last, so a ':' in it cannot reach another's) its app's. */
function accountKey (keyId: string, periodStart: string, app: string | undefined): string {
  return app === undefined ? `budget:${keyId}:${periodStart}` : `budget:${keyId}:${periodStart}:app:${app}`
}
