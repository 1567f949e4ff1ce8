import { streamedAnswer } from '#schemas/streamed-answer.js'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { sendEventStream } from '#upstream/stream-body.js'
import { allowedModel, chatContext } from '#gateway/request-context.js'
import { openAIStreamError } from '#protocols/openai/errors.js'
import { openAIStreamFormat } from '#upstream/sse.js'
import { MODEL_CALL_ERRORS } from '#schemas/aigne.js'
import { ChatCompletion, ChatCompletionChunk, ChatCompletionRequest } from '#schemas/chat.js'
import { openAIErrorResponses } from '#schemas/openai-error.js'
import { strictBodyValidator } from '#schemas/validator.js'

/** POST /api/v2/chat/completions: OpenAI Chat Completions, for any configured provider (`provider/model`). */
const chatCompletions: FastifyPluginAsyncTypebox = async (app) => {
  app.post('/', {
    config: { scope: 'chat', errorShape: 'openai' },
    bodyLimit: app.config.CHAT_BODY_LIMIT,
    schema: {
      tags: ['openai-compatible'],
      summary: 'Create a chat completion (OpenAI-compatible; streamed as server-sent events with "stream": true)',
      security: [{ bearerAuth: [] }],
      body: ChatCompletionRequest,
      response: {
        200: streamedAnswer('The completion, or with "stream": true a text/event-stream of chunks ending with `data: [DONE]`', ChatCompletion, ChatCompletionChunk.description),
        ...openAIErrorResponses(...MODEL_CALL_ERRORS)
      }
    },
    // absurd nesting never reaches the validator: the JSON body parser refuses it (plugins/app/request-hygiene.ts)
    validatorCompiler: strictBodyValidator
  }, async (request, reply) => {
    const body = request.body
    body.model = allowedModel(request, app.providers.names, body.model, 'chat')
    const context = chatContext(request, reply)
    if (body.stream !== true) {
      const completion = await app.providers.chat(body, context)
      // sent as text: a pass-through answer reaches the client byte for byte, never re-serialized
      return await reply.type('application/json; charset=utf-8').send(completion.text)
    }
    const chunks = await app.providers.chatStream(body, context)
    return await sendEventStream(reply, chunks, openAIStreamFormat(body.stream_options?.include_usage === true || body.stream_options?.include_cost === true, (err) => {
      request.log.warn({ err }, 'chat stream failed after it started')
      return openAIStreamError(err)
    }))
  })
}

export default chatCompletions
