import { randomBytes } from 'node:crypto'
import { Redis } from 'ioredis'
import type { TestContext } from './build.js'

/** A key prefix of this test's own; every key under it is deleted on teardown, so runs never collide. */
export function redisPrefix (t: TestContext, redisUrl: string): string {
  const prefix = `hubgate-test-${randomBytes(6).toString('hex')}:`
  t.teardown(async () => {
    const redis = new Redis(redisUrl)
    try {
      let cursor = '0'
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500)
        if (keys.length > 0) await redis.del(...keys)
        cursor = next
      } while (cursor !== '0')
    } finally {
      redis.disconnect()
    }
  })
  return prefix
}
