import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { chatContext, requireModel } from '#gateway/request-context.js'
import { MODEL_CALL_ERRORS } from '#schemas/aigne.js'
import { errorResponses } from '#schemas/error.js'
import { ImagesRequest, ImagesResponse } from '#schemas/images.js'
import { strictBodyValidator } from '#schemas/validator.js'

/** POST /api/v2/images/generations: OpenAI Images, for any provider with an image endpoint (`provider/model`). */
const imageGenerations: FastifyPluginAsyncTypebox = async (app) => {
  app.post('/', {
    config: { scope: 'images' },
    schema: {
      tags: ['openai-compatible'],
      summary: 'Generate images (OpenAI-compatible)',
      security: [{ bearerAuth: [] }],
      body: ImagesRequest,
      response: { 200: ImagesResponse, ...errorResponses(...MODEL_CALL_ERRORS) }
    },
    validatorCompiler: strictBodyValidator
  }, async (request, reply) => {
    requireModel(request, request.body.model)
    const result = await app.providers.generateImages(request.body, chatContext(request, reply))
    // the provider's bytes, untouched (base64 images can be large)
    return await reply.type('application/json; charset=utf-8').send(result.text as never)
  })
}

export default imageGenerations
