import { streamedAnswer } from '#schemas/streamed-answer.js'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { sendEventStream } from '#upstream/stream-body.js'
import { chatContext, requireModel } from '#gateway/request-context.js'
import { clientMessage, statusOf } from '#errors.js'
import { nativeRequest, toChatRequest } from '#protocols/responses/request.js'
import { fromCompletion, responsePlan } from '#protocols/responses/response.js'
import { nativeStreamFormat, responsesStreamFormat, type StreamFailure } from '#protocols/responses/stream.js'
import type { ResponseObjectType } from '#schemas/responses.js'
import { RESPONSES_STREAM_DESCRIPTION, ResponseObject, ResponsesRequest } from '#schemas/responses.js'
import { errorResponses } from '#schemas/error.js'
import { strictBodyValidator } from '#schemas/validator.js'

const JSON_TYPE = 'application/json; charset=utf-8'

/**
 * POST /api/v2/responses: OpenAI's Responses API for any configured provider. OpenAI upstreams get it natively;
 * the others through chat (protocols/responses/). Conversations are kept per key for previous_response_id.
 */
const responses: FastifyPluginAsyncTypebox = async (app) => {
  app.post('/', {
    config: { scope: 'chat', errorShape: 'openai' },
    bodyLimit: app.config.CHAT_BODY_LIMIT,
    schema: {
      tags: ['openai-compatible'],
      summary: 'Create a model response (OpenAI Responses API; streamed as server-sent events with "stream": true)',
      security: [{ bearerAuth: [] }],
      body: ResponsesRequest,
      response: {
        200: streamedAnswer('The response object, or with "stream": true a text/event-stream of Responses events', ResponseObject, RESPONSES_STREAM_DESCRIPTION),
        ...errorResponses(400, 401, 402, 404, 413, 422, 429, 502, 503, 504)
      }
    },
    validatorCompiler: strictBodyValidator
  }, async (request, reply) => {
    const body = request.body
    requireModel(request, body.model)
    const keyId = request.principal?.id ?? 'anonymous'
    const conversation = await app.conversations.prepare(body, keyId)
    const call = { chat: toChatRequest(body, conversation.history, conversation.input), native: nativeRequest(body, conversation.history, conversation.input) }
    const plan = responsePlan(body)
    const keep = async (response: ResponseObjectType): Promise<void> => { await app.conversations.save(conversation, response, keyId) }
    const context = chatContext(request, reply)
    if (body.stream !== true) {
      const answer = await app.providers.responses(call, context)
      if (answer.native) {
        await keep(answer.payload.value as ResponseObjectType)
        // sent as text: OpenAI's answer reaches the client byte for byte
        return await reply.type(JSON_TYPE).send(answer.payload.text)
      }
      const response = fromCompletion(plan, answer.payload.value, answer.payload.usage)
      await keep(response)
      return await reply.type(JSON_TYPE).send(JSON.stringify(response))
    }
    const describe = (err: unknown): StreamFailure => {
      request.log.warn({ err }, 'responses stream failed after it started')
      return { code: statusOf(err) === 429 ? 'rate_limit_exceeded' : 'server_error', message: clientMessage(err) }
    }
    // the stream's last event is already written when the response is stored: a failure to store is only logged
    const done = (response: ResponseObjectType): void => { void keep(response) }
    const answer = await app.providers.responsesStream(call, context)
    if (answer.native) return await sendEventStream(reply, answer.stream, nativeStreamFormat(describe, done))
    return await sendEventStream(reply, answer.stream, responsesStreamFormat(plan, describe, done))
  })
}

export default responses
