import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { aigneUsageOrZero } from '#protocols/aigne/output.js'
import { aigneConfig, allowedEnvelopeModel } from '#protocols/aigne/route.js'
import { aigneImages, imageCredits, toImagesRequest } from '#protocols/aigne/media-answers.js'
import { chatContext } from '#gateway/request-context.js'
import { AigneImageOutput, AigneImageRequest, aigneErrorResponses, MODEL_CALL_ERRORS } from '#schemas/aigne.js'
import { imageMimeType } from '#schemas/images.js'
import { strictBodyValidator } from '#schemas/validator.js'

/** POST /api/v2/image: the AIGNE protocol's image model call (what `AIGNEHubImageModel` sends); never streamed. */
const aigneImage: FastifyPluginAsyncTypebox = async (app) => {
  app.post('/', {
    config: aigneConfig('images'),
    schema: {
      tags: ['aigne'],
      summary: 'Generate images (AIGNE protocol)',
      security: [{ bearerAuth: [] }],
      body: AigneImageRequest,
      response: { 200: AigneImageOutput, ...aigneErrorResponses(...MODEL_CALL_ERRORS) }
    },
    validatorCompiler: strictBodyValidator
  }, async (request, reply) => {
    const { input } = request.body
    const model = allowedEnvelopeModel(request, app.providers.names, 'image')
    // options may sit in modelOptions or next to the prompt (the AIGNE framework merges both, the input winning)
    const images = toImagesRequest(model, input.prompt, { ...input.modelOptions, ...input }, 'input, as an image request,')
    const result = await app.providers.generateImages(images, chatContext(request, reply))
    const usage = aigneUsageOrZero(result.usage, app.catalog.price(model))
    // the credits charged: per image when the catalog prices images so
    const credits = imageCredits(app.catalog.rates(model), images, result.usage, result.value.data.length)
    return {
      images: aigneImages(result.value, imageMimeType(images)),
      usage: credits === undefined ? usage : { ...usage, aigneHubCredits: credits },
      model
    }
  })
}

export default aigneImage
