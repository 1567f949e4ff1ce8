import fp from 'fastify-plugin'
import rateLimit from '@fastify/rate-limit'
import type { FastifyRequest } from 'fastify'

/** The key's requests-per-minute limit, or null when it has none (then the request is not counted). */
function rpmOf (request: FastifyRequest): number | null {
  return request.principal?.limits.rpm ?? null
}

/**
 * Per-key requests per minute (`rpm` on the access key) with @fastify/rate-limit. It runs after authentication
 * (preHandler), counts by key id, and answers 429 with Retry-After and x-ratelimit-* headers.
 */
export default fp(async (app) => {
  await app.register(rateLimit, {
    global: true,
    hook: 'preHandler',
    timeWindow: 60_000,
    max: (request) => rpmOf(request) ?? 0,
    allowList: (request) => rpmOf(request) === null,
    keyGenerator: (request) => `key:${request.principal?.id ?? request.ip}`,
    errorResponseBuilder: (_request, context) => Object.assign(
      new Error(`Rate limit of ${context.max} requests per minute reached for this key; retry in ${context.after}.`),
      { statusCode: 429 }
    )
  })
}, { name: 'rate-limit' })
