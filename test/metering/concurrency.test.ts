import { test } from 'tap'
import { Redis } from 'ioredis'
import pino from 'pino'
import { MemoryConcurrencySlots, type Release } from '#metering/concurrency/memory.js'
import { RedisConcurrencySlots } from '#metering/concurrency/redis.js'
import type { TestContext } from '../helpers/build.js'
import { needs, serviceUrl } from '../helpers/services.js'
import { eventually } from '../helpers/wait.js'
import { redisPrefix } from '../helpers/redis.js'

const log = pino({ level: 'silent' })

test('memory slots: at most `limit` per key, given back once each, and no entry left for an idle key', async (t) => {
  const slots = new MemoryConcurrencySlots()
  const held = [await slots.acquire('k', 2), await slots.acquire('k', 2)]
  t.equal(await slots.acquire('k', 2), undefined, 'the third is refused')
  t.ok(await slots.acquire('other', 1), 'another key has slots of its own')
  held[0]?.()
  held[0]?.()
  const again = await slots.acquire('k', 2)
  t.ok(again, 'a released slot is taken again')
  t.equal(await slots.acquire('k', 2), undefined, 'releasing twice gave back one slot, not two')
  again?.()
  held[1]?.()
  t.equal((slots as unknown as { held: Map<string, number> }).held.has('k'), false, 'the key is forgotten once idle')
})

/** Slot counters as separate replicas would hold them: each its own connection, one shared prefix. */
function replicas (t: TestContext, count: number, leaseMs?: number): { slots: RedisConcurrencySlots[], redis: Redis } {
  const url = serviceUrl('TEST_REDIS_URL')
  const keyPrefix = redisPrefix(t, url)
  const clients = Array.from({ length: count + 1 }, () => new Redis(url, { keyPrefix }))
  const slots = clients.slice(1).map((redis) => new RedisConcurrencySlots(redis, log, leaseMs))
  t.teardown(() => {
    for (const s of slots) s.close()
    for (const c of clients) c.disconnect()
  })
  return { slots, redis: clients[0] as Redis }
}

test('Redis slots: replicas taking at once never pass the limit; released slots are taken again', needs('TEST_REDIS_URL', 'Redis'), async (t) => {
  const { slots } = replicas(t, 3)
  const results = await Promise.all(Array.from({ length: 30 }, async (_, i) => await (slots[i % 3] as RedisConcurrencySlots).acquire('k', 4)))
  const granted = results.filter((r): r is Release => r !== undefined)
  t.equal(granted.length, 4, 'exactly the limit, across every replica')
  for (const release of granted) release()
  const next = await Promise.all(Array.from({ length: 6 }, async (_, i) => await (slots[i % 3] as RedisConcurrencySlots).acquire('k', 4)))
  t.equal(next.filter((r) => r !== undefined).length, 4, 'the released slots serve new calls')
})

test('Redis slots: a crashed replica\'s leases expire and free their slots; held leases are renewed', needs('TEST_REDIS_URL', 'Redis'), async (t) => {
  const { slots, redis } = replicas(t, 1, 300)
  const slots0 = slots[0] as RedisConcurrencySlots
  // leases a replica took and never gave back (it crashed): one expired long ago, one still within its lease
  await redis.zadd('concurrent:k', 1, 'crashed-expired', Date.now() + 60_000, 'crashed-live')
  const mine = await slots0.acquire('k', 2)
  t.ok(mine, 'the expired lease no longer counts')
  t.equal(await slots0.acquire('k', 2), undefined, 'the live one and mine do')
  const members = await redis.zrange('concurrent:k', 0, -1)
  t.equal(members.length, 2, 'the expired lease was dropped')
  t.ok(members.includes('crashed-live'))

  // renewal keeps a held lease past its first expiry: wait for a renewal, by its score moving forward
  const leaseId = members.find((m) => !m.startsWith('crashed')) as string
  const first = Number(await redis.zscore('concurrent:k', leaseId))
  t.ok(await eventually(async () => Number(await redis.zscore('concurrent:k', leaseId)) > first), 'the lease was renewed while held')
  mine?.()
  // release sends its command without waiting (the call's answer is already over): wait for it, no timer
  t.ok(await eventually(async () => await redis.zscore('concurrent:k', leaseId) === null), 'release removes the lease')
})

test('Redis slots fall back to counting per process while Redis is unreachable', needs('TEST_REDIS_URL', 'Redis'), async (t) => {
  const redis = new Redis('redis://127.0.0.1:1', { enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null, lazyConnect: true })
  redis.on('error', () => {})
  t.teardown(() => redis.disconnect())
  const slots = new RedisConcurrencySlots(redis, log)
  t.teardown(() => slots.close())
  const first = await slots.acquire('k', 1)
  t.ok(first, 'a call is admitted')
  t.equal(await slots.acquire('k', 1), undefined, 'and the cap still holds in this process')
  first?.()
  t.ok(await slots.acquire('k', 1))
})
