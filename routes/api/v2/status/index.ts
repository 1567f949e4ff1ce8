import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { unavailability } from '#protocols/aigne/public-models.js'
import { AigneStatus, aigneErrorResponses } from '#schemas/aigne.js'

/**
 * GET /api/v2/status?model=provider/model: whether the gateway can serve a model (any kind) for the calling
 * key, or with no model whether any provider is configured. Answers 200 either way; the reason is in `error`.
 */
const status: FastifyPluginAsyncTypebox = async (app) => {
  const registry = app.providers.registry

  app.get('/', {
    config: { errorShape: 'aigne' },
    schema: {
      tags: ['aigne'],
      summary: 'Can the gateway serve this model for this key? (AIGNE format)',
      security: [{ bearerAuth: [] }],
      querystring: Type.Object({ model: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })) }),
      response: { 200: AigneStatus, ...aigneErrorResponses(400, 401, 503) }
    }
  }, async (request) => {
    const model = request.query.model
    if (model === undefined) {
      return registry.list().length > 0 ? { available: true } : { available: false, error: 'No provider is configured on this gateway.', code: 'HUB_NO_PROVIDER' }
    }
    if (request.principal?.allowsModel(model) !== true) {
      return { available: false, error: `This access key may not use model "${model}".`, code: 'HUB_MODEL_NOT_ALLOWED' }
    }
    const reason = unavailability(registry, model, ['chat', 'embedding', 'image'])
    return reason === undefined ? { available: true } : { available: false, error: reason.message, code: reason.code }
  })
}

export default status
