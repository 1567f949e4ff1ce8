import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { errorResponses } from '#schemas/error.js'

/** Prometheus exposition; needs an admin key (Prometheus: `authorization: { credentials: <key> }`). */
const metrics: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/', {
    config: { scope: 'admin' },
    schema: {
      tags: ['operations'],
      security: [{ bearerAuth: [] }],
      summary: 'Prometheus metrics (admin scope)',
      produces: ['text/plain'],
      response: { 200: Type.String({ description: 'Prometheus text format' }), ...errorResponses(401, 503) }
    }
  }, async (_request, reply) => {
    reply.type(app.metrics.registry.contentType)
    return await app.metrics.registry.metrics()
  })
}

export default metrics
