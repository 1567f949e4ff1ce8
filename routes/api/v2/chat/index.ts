import { streamedAnswer } from '#schemas/streamed-answer.js'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { envelopeModel, toChatRequest } from '#protocols/aigne/chat.js'
import { aigneOutput, aigneStreamFormat, type AigneAnswerPlan } from '#protocols/aigne/output.js'
import { aigneConfig } from '#protocols/aigne/route.js'
import { sendEventStream } from '#upstream/stream-body.js'
import { summarizeCompletion } from '#protocols/chat-summary.js'
import { allowedModel, chatContext } from '#gateway/request-context.js'
import { clientMessage } from '#errors.js'
import { AIGNE_STREAM_DESCRIPTION, AigneChatBody, AigneChatOutput, aigneErrorResponses, MODEL_CALL_ERRORS } from '#schemas/aigne.js'
import type { ChatRequest } from '#upstream/types.js'
import { keyedUnionValidator } from '#schemas/validator.js'

/**
 * POST /api/v2/chat: the AIGNE protocol's chat model call (what `AIGNEHubChatModel` sends), through the same providers.
 * The flat OpenAI-style body of the AIGNE Hub docs' curl example is taken too, and answered the same way.
 */
const aigneChat: FastifyPluginAsyncTypebox = async (app) => {
  app.post('/', {
    config: aigneConfig('chat'),
    bodyLimit: app.config.CHAT_BODY_LIMIT,
    schema: {
      tags: ['aigne'],
      summary: 'Call a chat model (AIGNE protocol, or a flat OpenAI-style body; server-sent events with options.streaming / "stream": true)',
      security: [{ bearerAuth: [] }],
      body: AigneChatBody,
      response: {
        200: streamedAnswer('The model output, or when streaming a text/event-stream of deltas', AigneChatOutput, AIGNE_STREAM_DESCRIPTION),
        ...aigneErrorResponses(...MODEL_CALL_ERRORS)
      }
    },
    validatorCompiler: keyedUnionValidator(['input', 'messages'])
  }, async (request, reply) => {
    const body = request.body
    let chat: ChatRequest
    let streaming: boolean
    if ('input' in body) {
      chat = toChatRequest(body.input, allowedModel(request, app.providers.names, envelopeModel(body), 'chat'))
      streaming = body.options?.streaming === true
    } else {
      chat = { ...body, model: allowedModel(request, app.providers.names, body.model, 'chat') }
      streaming = body.stream === true
    }
    const plan: AigneAnswerPlan = { model: chat.model, jsonMode: chat.response_format?.type === 'json_schema', price: app.catalog.price(chat.model) }
    const context = chatContext(request, reply)
    if (!streaming) {
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
