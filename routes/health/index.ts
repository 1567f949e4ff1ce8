import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { ErrorBody } from '../../schemas/error.js'

const Ok = Type.Object({ status: Type.Literal('ok') })
const Ready = Type.Object({
  status: Type.Literal('ok'),
  providers: Type.Record(Type.String(), Type.Union([Type.Literal('closed'), Type.Literal('open'), Type.Literal('half-open')]), {
    description: 'Circuit breaker of each configured provider; an open one is skipped (fallbacks, or 503) but the gateway stays ready'
  })
})

/**
 * Liveness says the process answers; readiness says it can serve (the store answers) and shows each
 * provider's circuit breaker. Both without auth. An open breaker does not fail readiness: other
 * providers still serve, and every replica would see the same outage.
 */
const health: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/live', {
    config: { public: true },
    schema: { tags: ['health'], summary: 'Liveness', response: { 200: Ok } }
  }, async () => ({ status: 'ok' as const }))

  app.get('/ready', {
    config: { public: true },
    schema: { tags: ['health'], summary: 'Readiness: the store answers; circuit breaker state per provider', response: { 200: Ready, 503: ErrorBody } }
  }, async (request, reply) => {
    if (app.draining) return reply.code(503).send({ error: 'Service Unavailable', message: 'The gateway is shutting down.' })
    try {
      await app.store.ping()
      return { status: 'ok' as const, providers: app.providers.breakers.snapshot(app.providers.registry.list().map((p) => p.id)) }
    } catch (err) {
      request.log.warn({ err }, 'readiness: store unavailable')
      return reply.code(503).send({ error: 'Service Unavailable', message: 'The store is not reachable.' })
    }
  })
}

export default health
