import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { publicModels } from '#protocols/aigne/public-models.js'
import { AigneModelList, AigneModelType, aigneErrorResponses } from '#schemas/aigne.js'
import { strictBodyValidator } from '#schemas/validator.js'

/**
 * GET /api/ai/models?type=chat|embedding|image: the public model list AIGNE clients read (they send no
 * credentials), in their schema: rates as strings in credits per token, `status.available`.
 */
const aiModels: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/', {
    config: { public: true, errorShape: 'aigne' },
    schema: {
      tags: ['aigne'],
      summary: 'List the models this gateway offers, with prices (public; AIGNE format)',
      querystring: Type.Object({ type: Type.Optional(AigneModelType) }),
      response: { 200: AigneModelList, ...aigneErrorResponses(400) }
    },
    // TypeBox's checker reads the schema's errorMessage (an unknown value of ?type is named clearly)
    validatorCompiler: strictBodyValidator
  }, async (request) => publicModels(app.catalog.list(), app.providers.registry, request.query.type, (id) => app.catalog.rates(id)))
}

export default aiModels
