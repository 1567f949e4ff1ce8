import { test } from 'tap'
import { Redis } from 'ioredis'
import pino from 'pino'
import { RedisBudgetLedger } from '#metering/ledger/redis.js'
import { RedisTokenWindow } from '#metering/token-window/redis.js'
import type { TestContext } from '../../helpers/build.js'
import { needs, serviceUrl } from '../../helpers/services.js'
import { sleep } from '../../helpers/wait.js'
import { redisPrefix } from '../../helpers/redis.js'

const PERIOD = '2025-01-01T00:00:00.000Z'
const log = pino({ level: 'silent' })

/** Clients as separate replicas would hold them: each its own connection and scripts, one shared prefix. */
function clients (t: TestContext, count: number): Redis[] {
  const url = serviceUrl('TEST_REDIS_URL')
  const keyPrefix = redisPrefix(t, url)
  const all = Array.from({ length: count }, () => new Redis(url, { keyPrefix }))
  t.teardown(() => { for (const c of all) c.disconnect() })
  return all
}

test('Redis budget: replicas reserving at once never pass the limit; seeded once from the store', needs('TEST_REDIS_URL', 'Redis'), async (t) => {
  let seeds = 0
  const spentSince = async (): Promise<number> => { seeds++; return 2.5 }
  const ledgers = clients(t, 3).map((redis) => new RedisBudgetLedger(redis, spentSince, log))
  // limit 10, 2.5 already spent: 7.5 left, so exactly 7 reservations of 1 fit
  const results = await Promise.all(Array.from({ length: 60 }, async (_, i) =>
    await ledgers[i % 3]!.reserve({ keyId: 'k1', periodStart: PERIOD, limit: 10, estimate: 1 })))
  const granted = results.filter((r) => !('refused' in r))
  t.equal(granted.length, 7, 'exactly what fits is reserved')
  const refused = results.find((r) => 'refused' in r)
  t.match(refused, { refused: true })
  t.ok(seeds >= 1 && seeds <= 3, 'the account is seeded from the store at most once per replica racing')
  t.equal(await ledgers[1]!.used('k1', PERIOD), 9.5, 'every replica sees spent + reserved')

  for (const r of granted) if (!('refused' in r)) await r.settle(0.25)
  t.equal(await ledgers[2]!.used('k1', PERIOD), 2.5 + 7 * 0.25, 'settling replaces reservations by real cost')
  const again = await ledgers[0]!.reserve({ keyId: 'k1', periodStart: PERIOD, limit: 10, estimate: 5.75 })
  t.notOk('refused' in again, 'the freed room can be reserved again')
  t.equal(await ledgers[0]!.used('k1', 'other-period'), 2.5, 'another period is its own account')
})

test('Redis budget fails closed with a 503 when Redis cannot be reached', needs('TEST_REDIS_URL', 'Redis'), async (t) => {
  const redis = new Redis('redis://127.0.0.1:1', { enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null, lazyConnect: true })
  redis.on('error', () => {})
  t.teardown(() => redis.disconnect())
  const ledger = new RedisBudgetLedger(redis, async () => 0, log)
  await t.rejects(ledger.reserve({ keyId: 'k', periodStart: PERIOD, limit: 1, estimate: 0.1 }), { statusCode: 503, code: 'HUB_BUDGET_UNAVAILABLE' })
  const window = new RedisTokenWindow(redis, log)
  t.match(await window.take('k', 10, 5), { ok: true }, 'tokens per minute fail open')
})

test('Redis token window: shared per minute across replicas, refusals past the limit, adjust', needs('TEST_REDIS_URL', 'Redis'), async (t) => {
  // one fixed window per minute: start well inside a minute so every step lands in the same one
  if (Date.now() % 60_000 > 55_000) await sleep(60_000 - (Date.now() % 60_000) + 50)
  const windows = clients(t, 2).map((redis) => new RedisTokenWindow(redis, log))
  const taken = await Promise.all(Array.from({ length: 20 }, async (_, i) => await windows[i % 2]!.take('k', 10, 100)))
  t.equal(taken.filter((r) => r.ok).length, 10, 'exactly limit / tokens calls fit')
  const refused = taken.find((r) => !r.ok)
  t.equal(refused?.remaining, 0)
  t.ok((refused?.resetMs ?? 0) > 0 && (refused?.resetMs ?? 0) <= 60_000)
  await windows[1]!.adjust('k', -30)
  t.match(await windows[0]!.take('k', 30, 100), { ok: true, remaining: 0 }, 'an adjustment frees room on the other replica')
  await windows[0]!.adjust('k', -1000)
  t.match(await windows[1]!.take('k', 100, 100), { ok: true }, 'never below zero')
})
