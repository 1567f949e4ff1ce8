import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { allowedModel, chatContext } from '#gateway/request-context.js'
import { speak } from '#gateway/media-calls.js'
import { MODEL_CALL_ERRORS } from '#schemas/aigne.js'
import { SpeechAudio, SpeechRequest } from '#schemas/audio.js'
import { openAIErrorResponses } from '#schemas/openai-error.js'
import { strictBodyValidator } from '#schemas/validator.js'

/** POST /api/v2/audio/speech: OpenAI text to speech, charged per character of input (`provider/model`). */
const speech: FastifyPluginAsyncTypebox = async (app) => {
  app.post('/', {
    config: { scope: 'audio', errorShape: 'openai' },
    schema: {
      tags: ['openai-compatible'],
      summary: 'Text to speech (OpenAI-compatible)',
      security: [{ bearerAuth: [] }],
      body: SpeechRequest,
      response: { 200: SpeechAudio, ...openAIErrorResponses(...MODEL_CALL_ERRORS) }
    },
    validatorCompiler: strictBodyValidator
  }, async (request, reply) => {
    const model = allowedModel(request, app.providers.names, request.body.model, 'speech')
    const audio = await speak(app.providers, model, request.body, chatContext(request, reply), app.config.AUDIO_MAX_BYTES)
    return await reply.type(audio.contentType).send(audio.data as never)
  })
}

export default speech
