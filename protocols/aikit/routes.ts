import { Type } from '@sinclair/typebox'
import { streamedAnswer } from '#schemas/streamed-answer.js'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import { chatContext, requireModel } from '#gateway/request-context.js'
import { clientMessage, errorType } from '#errors.js'
import { aigneErrorResponses, MODEL_CALL_ERRORS } from '#schemas/aigne.js'
import { EmbeddingsResponse } from '#schemas/embeddings.js'
import { imageMimeType } from '#schemas/images.js'
import {
  LEGACY_STREAM_DESCRIPTION, LegacyChatRequest, LegacyChatResponse, LegacyEmbeddingsRequest, LegacyImageRequest, LegacyImageResponse
} from '#schemas/legacy.js'
import { strictBodyValidator } from '#schemas/validator.js'
import { aigneConfig } from '../aigne/route.js'
import { sendEventStream } from '#upstream/stream-body.js'
import { summarizeCompletion } from '../chat-summary.js'
import { legacyEventFormat, legacyResponse, legacyTextFormat, legacyToChatRequest, qualifiedModel } from './chat.js'
import { aigneImages, imageCredits, toImagesRequest } from '../aigne/media-answers.js'

/*
 * The V1 / legacy AI Kit routes. Several URLs serve each format (/api/v1/chat/completions, /api/v1/completions,
 * /api/v2/completions; /api/v1/image/generations, /api/v2/image/generations), so each route file exports one
 * of these plugins. All are Bearer-authenticated, deprecated in the OpenAPI document, and answer errors in
 * the nested shape AI Kit clients read (401 excepted).
 */

const tags = ['legacy']
const security = [{ bearerAuth: [] }]
const ERRORS = aigneErrorResponses(...MODEL_CALL_ERRORS)

/** The `provider/model` a legacy body names, once the caller's key may use it (else the standard 401). */
function allowedLegacyModel (request: FastifyRequest & { body: { model: string } }): string {
  const model = qualifiedModel(request.body.model)
  requireModel(request, model)
  return model
}

function wantsEventStream (request: FastifyRequest): boolean {
  return (request.headers.accept ?? '').split(',').some((type) => type.trim().startsWith('text/event-stream'))
}

export function legacyChatRoute (summary: string): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post('/', {
      config: aigneConfig('chat'),
      bodyLimit: app.config.CHAT_BODY_LIMIT,
      schema: {
        tags,
        security,
        summary,
        deprecated: true,
        body: LegacyChatRequest,
        response: {
          200: streamedAnswer('The answer, or a stream (see the request description)', LegacyChatResponse, LEGACY_STREAM_DESCRIPTION, { 'text/plain': { schema: Type.String() } }),
          ...ERRORS
        }
      },
      validatorCompiler: strictBodyValidator
    }, async (request, reply) => {
      const model = allowedLegacyModel(request)
      const chat = legacyToChatRequest(request.body, model)
      const price = app.catalog.price(model)
      const context = chatContext(request, reply)
      const eventStream = wantsEventStream(request)
      if (!eventStream && request.body.stream !== true) {
        const completion = await app.providers.chat(chat, context)
        return legacyResponse(summarizeCompletion(completion.value, completion.usage), price)
      }
      const chunks = await app.providers.chatStream(chat, context)
      const failed = (err: unknown): void => { request.log.warn({ err }, 'legacy chat stream failed after it started') }
      if (eventStream) {
        return await sendEventStream(reply, chunks, legacyEventFormat(price, (err) => {
          failed(err)
          return { message: clientMessage(err), type: errorType(err) }
        }))
      }
      return await sendEventStream(reply, chunks, legacyTextFormat((err) => {
        failed(err)
        return clientMessage(err)
      }), 'text/plain; charset=utf-8')
    })
  }
}

export function legacyImageRoute (summary: string): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post('/', {
      config: aigneConfig('images'),
      schema: { tags, security, summary, deprecated: true, body: LegacyImageRequest, response: { 200: LegacyImageResponse, ...ERRORS } },
      validatorCompiler: strictBodyValidator
    }, async (request, reply) => {
      const model = allowedLegacyModel(request)
      const { prompt, ...options } = request.body
      const images = toImagesRequest(model, prompt, withoutNulls(options), 'body, as an image request,')
      const result = await app.providers.generateImages(images, chatContext(request, reply))
      const list = aigneImages(result.value, imageMimeType(images))
        .map((image) => image.type === 'url' ? { url: image.url } : { b64_json: image.data, b64Json: image.data })
      // the credits charged: reported tokens or per image, as the usage record
      const credits = imageCredits(app.catalog.rates(model), images, result.usage, result.value.data.length)
      return { images: list, data: list, model, usage: credits !== undefined ? { aigneHubCredits: credits } : {} }
    })
  }
}

export function legacyEmbeddingsRoute (summary: string): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post('/', {
      config: aigneConfig('embeddings'),
      schema: { tags, security, summary, deprecated: true, body: LegacyEmbeddingsRequest, response: { 200: EmbeddingsResponse, ...ERRORS } },
      validatorCompiler: strictBodyValidator
    }, async (request, reply) => {
      const model = allowedLegacyModel(request)
      const result = await app.providers.embed({ model, input: request.body.input }, chatContext(request, reply))
      // OpenAI's list: its `data` is what AI Kit clients read; sent as the provider's text
      return await reply.type('application/json; charset=utf-8').send(result.text as never)
    })
  }
}

/** AI Kit clients send null for "not set". */
function withoutNulls<T extends Record<string, unknown>> (fields: T): Partial<T> {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== null)) as Partial<T>
}
