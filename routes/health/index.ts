import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { ErrorBody } from '#schemas/error.js'
import type { BreakerState } from '#gateway/circuit-breaker.js'

const Ok = Type.Object({ status: Type.Literal('ok') })
const Count = Type.Integer({ minimum: 0 })
const Ready = Type.Object({
  status: Type.Literal('ok'),
  breakers: Type.Object({ closed: Count, halfOpen: Count, open: Count }, {
    description: 'How many providers\' circuit breakers are in each state (per provider: GET /api/admin/health, admin only)'
  })
})

/**
 * Whether the gateway can serve: not shutting down, and the store answers. Undefined after a 503 was sent.
 * An open breaker does not fail readiness: other providers still serve, and every replica would see the same outage.
 */
export async function readiness (app: FastifyInstance, request: FastifyRequest, reply: FastifyReply): Promise<Record<string, BreakerState> | undefined> {
  if (app.draining) {
    await reply.code(503).send({ error: 'Service Unavailable', message: 'The gateway is shutting down.' })
    return undefined
  }
  try {
    await app.store.ping()
  } catch (err) {
    request.log.warn({ err }, 'readiness: store unavailable')
    await reply.code(503).send({ error: 'Service Unavailable', message: 'The store is not reachable.' })
    return undefined
  }
  return app.providers.breakers.snapshot(app.providers.registry.list().map((p) => p.id))
}

/**
 * Liveness says the process answers; readiness says it can serve (the store answers). Both without auth, so they
 * say no more than that: readiness counts circuit breakers by state but names no provider (that is admin detail).
 */
const health: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/live', {
    config: { public: true },
    schema: { tags: ['health'], summary: 'Liveness', response: { 200: Ok } }
  }, async () => ({ status: 'ok' as const }))

  app.get('/ready', {
    config: { public: true },
    schema: { tags: ['health'], summary: 'Readiness: the store answers; circuit breakers counted by state', response: { 200: Ready, 503: ErrorBody } }
  }, async (request, reply) => {
    const providers = await readiness(app, request, reply)
    if (providers === undefined) return reply
    const states = Object.values(providers)
    const count = (state: BreakerState): number => states.filter((s) => s === state).length
    return { status: 'ok' as const, breakers: { closed: count('closed'), halfOpen: count('half-open'), open: count('open') } }
  })
}

export default health
