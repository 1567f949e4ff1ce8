import { streamedAnswer } from '#schemas/streamed-answer.js'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { toChatRequest } from '#protocols/aigne/chat.js'
import { aigneOutput, aigneStreamFormat, type AigneAnswerPlan } from '#protocols/aigne/output.js'
import { aigneConfig, allowedEnvelopeModel } from '#protocols/aigne/route.js'
import { sendEventStream } from '#upstream/stream-body.js'
import { summarizeCompletion } from '#protocols/chat-summary.js'
import { chatContext } from '#gateway/request-context.js'
import { clientMessage } from '#errors.js'
import { AIGNE_STREAM_DESCRIPTION, AigneChatOutput, AigneChatRequest, aigneErrorResponses, MODEL_CALL_ERRORS } from '#schemas/aigne.js'
import { strictBodyValidator } from '#schemas/validator.js'

/** POST /api/v2/chat: the AIGNE protocol's chat model call (what `AIGNEHubChatModel` sends), through the same providers. */
const aigneChat: FastifyPluginAsyncTypebox = async (app) => {
  app.post('/', {
    config: aigneConfig('chat'),
    bodyLimit: app.config.CHAT_BODY_LIMIT,
    schema: {
      tags: ['aigne'],
      summary: 'Call a chat model (AIGNE protocol; server-sent events with options.streaming)',
      security: [{ bearerAuth: [] }],
      body: AigneChatRequest,
      response: {
        200: streamedAnswer('The model output, or with options.streaming a text/event-stream of deltas', AigneChatOutput, AIGNE_STREAM_DESCRIPTION),
        ...aigneErrorResponses(...MODEL_CALL_ERRORS)
      }
    },
    validatorCompiler: strictBodyValidator
  }, async (request, reply) => {
    const { input, options } = request.body
    const model = allowedEnvelopeModel(request, app.providers.names, 'chat')
    const chat = toChatRequest(input, model)
    const plan: AigneAnswerPlan = { model, jsonMode: chat.response_format?.type === 'json_schema', price: app.catalog.price(model) }
    const context = chatContext(request, reply)
    if (options?.streaming !== true) {
      const completion = await app.providers.chat(chat, context)
      return aigneOutput(summarizeCompletion(completion.value, completion.usage), plan)
    }
    const chunks = await app.providers.chatStream(chat, context)
    return await sendEventStream(reply, chunks, aigneStreamFormat(plan, (err) => {
      request.log.warn({ err }, 'AIGNE chat stream failed after it started')
      return clientMessage(err)
    }))
  })
}

export default aigneChat
