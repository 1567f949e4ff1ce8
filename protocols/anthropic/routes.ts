import { streamedAnswer } from '#schemas/streamed-answer.js'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify'
import { BadRequestError, clientMessage, statusOf } from '#errors.js'
import { chatContext } from '#gateway/request-context.js'
import {
  anthropicErrorResponses, CountTokensRequest, CountTokensResponse, MessagesRequest, MessagesResponse, MESSAGES_STREAM_DESCRIPTION
} from '#schemas/anthropic.js'
import { strictBodyValidator } from '#schemas/validator.js'
import { sendEventStream } from '#upstream/stream-body.js'
import { estimatedTokens } from '#upstream/token-estimate.js'
import { anthropicErrorType } from './errors.js'
import { messagesModel } from './model.js'
import { toChatRequest } from './request.js'
import { toMessage } from './response.js'
import { relayedEvents, translatedEvents, type DescribeFailure } from './stream.js'

/*
 * Anthropic's Messages API, served at /v1/messages (where @anthropic-ai/sdk and Claude Code send it, given the gateway
 * as their base URL) and /api/v2/messages. Authenticated by `x-api-key` or `Authorization: Bearer` (the same access
 * keys); errors in Anthropic's shape except the 401. Anthropic models get the body as sent, other providers a translation.
 */

/** Route config: the chat scope, x-api-key accepted (plugins/app/auth.ts), errors in Anthropic's shape. */
const config = { scope: 'chat', apiKeyHeader: true, errorShape: 'anthropic' } as const
const tags = ['anthropic-compatible']
const security: Array<Record<string, string[]>> = [{ apiKeyHeader: [] }, { bearerAuth: [] }]
const BETA = /^[A-Za-z0-9._-]+(?:\s*,\s*[A-Za-z0-9._-]+)*$/
const BETA_MAX = 1024

/** The beta features the client asks for (`anthropic-beta`), passed to an Anthropic upstream; checked, since it goes on the wire. */
function betaOf (request: FastifyRequest): string | undefined {
  const beta = request.headers['anthropic-beta']
  if (beta === undefined) return undefined
  const value = Array.isArray(beta) ? beta.join(',') : beta
  if (value.length > BETA_MAX || !BETA.test(value)) {
    throw new BadRequestError(`The anthropic-beta header must be a comma-separated list of feature names (at most ${BETA_MAX} characters).`)
  }
  return value
}

function describeFailure (request: FastifyRequest): DescribeFailure {
  return (err) => {
    request.log.warn({ err }, 'Anthropic messages stream failed after it started')
    return { message: clientMessage(err), type: anthropicErrorType(statusOf(err), err as Partial<FastifyError>) }
  }
}

/** What both routes share: scope, x-api-key, error shape, body limit and validator. */
function routeBasics (app: FastifyInstance): { config: typeof config, bodyLimit: number, validatorCompiler: typeof strictBodyValidator } {
  return { config, bodyLimit: app.config.CHAT_BODY_LIMIT, validatorCompiler: strictBodyValidator }
}

/** `hide`: an alias left out of the OpenAPI document. */
function documented (hide: boolean): { hide: boolean, tags: string[], security: typeof security } {
  return { hide, tags, security }
}

/** POST …/messages. */
export function messagesRoute (hide = false): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post('/', {
      ...routeBasics(app),
      schema: {
        ...documented(hide),
        summary: 'Create a message (Anthropic Messages API; /v1/messages and /api/v2/messages)',
        body: MessagesRequest,
        response: {
          200: streamedAnswer('The message, or with "stream": true a text/event-stream of Anthropic\'s events', MessagesResponse, MESSAGES_STREAM_DESCRIPTION),
          ...anthropicErrorResponses(400, 401, 402, 404, 413, 422, 429, 502, 503, 504)
        }
      }
    }, async (request, reply) => {
      const body = request.body
      const model = messagesModel(request, app.providers.names, body.model)
      const context = chatContext(request, reply)
      if (app.providers.speaksMessages(model)) {
        const native = { body: { ...body, model }, beta: betaOf(request) }
        if (body.stream !== true) {
          // sent as text: the upstream's answer reaches the client byte for byte
          return await reply.type('application/json; charset=utf-8').send((await app.providers.messages(native, context)).text)
        }
        return await sendEventStream(reply, await app.providers.messagesStream(native, context), relayedEvents(describeFailure(request)))
      }
      const chat = toChatRequest(body, model)
      if (body.stream !== true) {
        const completion = await app.providers.chat(chat, context)
        return toMessage(completion.value, completion.usage, body.model)
      }
      return await sendEventStream(reply, await app.providers.chatStream(chat, context), translatedEvents(body.model, describeFailure(request)))
    })
  }
}

/** POST …/messages/count_tokens: Anthropic counts for its models; for the others the gateway estimates from the size. */
export function countTokensRoute (hide = false): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post('/', {
      ...routeBasics(app),
      schema: {
        ...documented(hide),
        summary: 'Count a message\'s input tokens (Anthropic Messages API)',
        body: CountTokensRequest,
        response: { 200: CountTokensResponse, ...anthropicErrorResponses(400, 401, 404, 413, 429, 502, 503, 504) }
      }
    }, async (request, reply) => {
      const body = request.body
      const model = messagesModel(request, app.providers.names, body.model)
      if (app.providers.speaksMessages(model)) {
        const counted = await app.providers.countMessageTokens({ body: { ...body, model }, beta: betaOf(request) }, chatContext(request, reply))
        return counted.value
      }
      // an unknown or unconfigured model is refused as a call to it would be
      app.providers.registry.resolve(model)
      const bytes = Buffer.byteLength(JSON.stringify([body.system ?? '', body.messages, body.tools ?? []]))
      return { input_tokens: estimatedTokens(bytes) }
    })
  }
}
