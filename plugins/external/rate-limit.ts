import fp from 'fastify-plugin'
import rateLimit from '@fastify/rate-limit'
import type { FastifyRequest } from 'fastify'
import { connectRedis } from '../app/redis.js'
import { clusterLink } from '#metering/cluster/link.js'
import { clusterRateLimitStore } from '#metering/cluster/rate-limit-store.js'

/** The key's requests-per-minute limit, or null when it has none (then the request is not counted). */
function rpmOf (request: FastifyRequest): number | null {
  return request.principal?.limits.rpm ?? null
}

/**
 * Per-key requests per minute (`rpm` on the access key) with @fastify/rate-limit. It runs after authentication
 * (preHandler), counts by key id, and answers 429 with Retry-After and x-ratelimit-* headers.
 */
export default fp(async (app) => {
  // with REDIS_URL the counts are shared by every replica (the plugin's own Redis store, on a connection of its own
  // because this plugin loads before plugins/app). A Redis outage lets requests through (skipOnError): rpm protects
  // capacity, not money, and refusing every limited key while Redis is down would turn a cache outage into a full one.
  const redis = app.config.REDIS_URL !== undefined ? await connectRedis(app.config, app.log, 'rate-limit') : undefined
  if (redis !== undefined) app.addHook('onClose', async () => { redis.disconnect() })
  // with WORKERS > 1 (and no Redis) the cluster primary counts for every worker of the machine
  const link = redis === undefined ? clusterLink() : undefined
  await app.register(rateLimit, {
    ...(redis !== undefined ? { redis, skipOnError: true, nameSpace: 'rpm:' } : {}),
    ...(link !== undefined ? { store: clusterRateLimitStore(link), skipOnError: true } : {}),
    global: false
  })
  const limit = app.rateLimit({
    timeWindow: 60_000,
    max: (request) => rpmOf(request) ?? 0,
    keyGenerator: (request) => `key:${request.principal?.id ?? request.ip}`,
    errorResponseBuilder: (_request, context) => Object.assign(
      new Error(`Rate limit of ${context.max} requests per minute reached for this key; retry in ${context.after}.`),
      { statusCode: 429 }
    )
  })
  // only callers whose key has an rpm pay for the limiter's (async) check
  app.addHook('preHandler', (request, reply, done) => {
    if (rpmOf(request) === null) { done(); return }
    limit.call(app, request, reply).then(() => { done() }, done)
  })
}, { name: 'rate-limit' })
