import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { allowedModel, chatContext } from '#gateway/request-context.js'
import { MODEL_CALL_ERRORS } from '#schemas/aigne.js'
import { openAIErrorResponses } from '#schemas/openai-error.js'
import { ImagesRequest, ImagesResponse } from '#schemas/images.js'
import { strictBodyValidator } from '#schemas/validator.js'

/** POST /api/v2/images/generations: OpenAI Images, for any provider with an image endpoint (`provider/model`). */
const imageGenerations: FastifyPluginAsyncTypebox = async (app) => {
  app.post('/', {
    config: { scope: 'images', errorShape: 'openai' },
    schema: {
      tags: ['openai-compatible'],
      summary: 'Generate images (OpenAI-compatible)',
      security: [{ bearerAuth: [] }],
      body: ImagesRequest,
      response: { 200: ImagesResponse, ...openAIErrorResponses(...MODEL_CALL_ERRORS) }
    },
    validatorCompiler: strictBodyValidator
  }, async (request, reply) => {
    request.body.model = allowedModel(request, app.providers.names, request.body.model, 'image')
    const result = await app.providers.generateImages(request.body, chatContext(request, reply))
    // the provider's bytes, untouched (base64 images can be large)
    return await reply.type('application/json; charset=utf-8').send(result.text as never)
  })
}

export default imageGenerations
