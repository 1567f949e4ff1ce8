import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { ErrorBody } from '../../schemas/error.js'

const Ok = Type.Object({ status: Type.Literal('ok') })

/** Liveness says the process answers; readiness says it can serve (the store answers). Both without auth. */
const health: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/live', {
    config: { public: true },
    schema: { tags: ['health'], summary: 'Liveness', response: { 200: Ok } }
  }, async () => ({ status: 'ok' as const }))

  app.get('/ready', {
    config: { public: true },
    schema: { tags: ['health'], summary: 'Readiness: the store answers', response: { 200: Ok, 503: ErrorBody } }
  }, async (request, reply) => {
    if (app.draining) return reply.code(503).send({ error: 'Service Unavailable', message: 'The gateway is shutting down.' })
    try {
      await app.store.ping()
      return { status: 'ok' as const }
    } catch (err) {
      request.log.warn({ err }, 'readiness: store unavailable')
      return reply.code(503).send({ error: 'Service Unavailable', message: 'The store is not reachable.' })
    }
  })
}

export default health
