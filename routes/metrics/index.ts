import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { errorResponses } from '#schemas/error.js'

/**
 * Prometheus exposition; needs an admin key (Prometheus: `authorization: { credentials: <key> }`). With WORKERS > 1
 * a scrape, whichever worker answers it, sees every worker's metrics aggregated by the primary (counters summed).
 */
const metrics: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/', {
    config: { scope: 'admin' },
    schema: {
      tags: ['operations'],
      security: [{ bearerAuth: [] }],
      summary: 'Prometheus metrics (admin scope); with WORKERS > 1, every worker aggregated',
      produces: ['text/plain'],
      response: { 200: Type.String({ description: 'Prometheus text format' }), ...errorResponses(401, 503) }
    }
  }, async (_request, reply) => {
    reply.type(app.metrics.registry.contentType)
    return app.cluster === undefined ? await app.metrics.registry.metrics() : await app.cluster.request<string>({ op: 'metrics' })
  })
}

export default metrics
