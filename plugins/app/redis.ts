import { once } from 'node:events'
import type { FastifyBaseLogger } from 'fastify'
import fp from 'fastify-plugin'
import type { Redis } from 'ioredis'
import type { Config } from '#config.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** The Redis every replica shares (REDIS_URL), or undefined when counters are kept per process. */
    redis: Redis | undefined
  }
}

/** How long startup waits for the first connection before going on without it (it keeps reconnecting). */
const FIRST_CONNECT_WAIT_MS = 5_000

/**
 * A Redis client for shared counters. Commands fail at once while the connection is down (no offline queue)
 * or after a second without an answer, so callers decide promptly: budgets refuse with a 503, rate limits
 * let the request through. The client keeps reconnecting in the background and callers recover on their own.
 */
export async function connectRedis (config: Pick<Config, 'REDIS_URL' | 'REDIS_KEY_PREFIX'>, log: FastifyBaseLogger, purpose: string): Promise<Redis> {
  // loaded only when a Redis is configured: a single-process gateway never needs the client
  const { Redis } = await import('ioredis')
  const redis = new Redis(config.REDIS_URL ?? '', {
    keyPrefix: config.REDIS_KEY_PREFIX,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: 2_000,
    commandTimeout: 1_000,
    retryStrategy: (attempt) => Math.min(attempt * 100, 1_000)
  })
  // one log line per outage, not one per reconnect attempt
  let down = false
  redis.on('error', (err: Error) => {
    if (down) return
    down = true
    log.error({ err: { message: err.message }, purpose }, 'Redis unavailable: budgets answer 503, rate limits are not enforced until it is back')
  })
  redis.on('ready', () => {
    if (down) log.warn({ purpose }, 'Redis reachable again')
    down = false
  })
  const ready = once(redis, 'ready').then(() => true)
  const gaveUp = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), FIRST_CONNECT_WAIT_MS).unref())
  if (!await Promise.race([ready, gaveUp])) ready.catch(() => {})
  return redis
}

export default fp(async (app) => {
  if (app.config.REDIS_URL === undefined) {
    app.decorate('redis', undefined)
    return
  }
  const redis = await connectRedis(app.config, app.log, 'metering')
  app.decorate('redis', redis)
  app.addHook('onClose', async () => { redis.disconnect() })
}, { name: 'redis' })
