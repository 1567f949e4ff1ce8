import { Type, type Static, type TSchema } from '@sinclair/typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import { aigneUsageOrZero } from '#protocols/aigne/output.js'
import { allowedEnvelopeModel } from '#protocols/aigne/route.js'
import { embeddingVectors } from '#protocols/aigne/media-answers.js'
import { requireValid } from '#protocols/translated-check.js'
import { allowedModel, chatContext } from '#gateway/request-context.js'
import { AigneEmbeddingsInput, AigneEmbeddingsOutput, AigneEmbeddingsRequest, AigneErrorBody, MODEL_CALL_ERRORS } from '#schemas/aigne.js'
import { ErrorBody } from '#schemas/error.js'
import { OpenAIErrorBody } from '#schemas/openai-error.js'
import { EmbeddingsRequest, EmbeddingsResponse, type EmbeddingsRequestType } from '#schemas/embeddings.js'
import { strictBodyValidator } from '#schemas/validator.js'

type Check = (value: unknown) => unknown
const openAIShape = strictBodyValidator({ schema: EmbeddingsRequest } as never) as Check
const aigneShape = strictBodyValidator({ schema: AigneEmbeddingsRequest } as never) as Check

type AigneBody = Static<typeof AigneEmbeddingsRequest> & { input: Static<typeof AigneEmbeddingsInput> }

/** An AIGNE envelope carries `input` as an object; OpenAI's `input` is a string or an array. */
function isEnvelope (body: unknown): body is AigneBody {
  const input = (body as { input?: unknown } | null)?.input
  return typeof input === 'object' && input !== null && !Array.isArray(input)
}

/** Errors in the dialect of the body: OpenAI's shape for an OpenAI body, the AIGNE one for an envelope (401 excepted). */
function mixedErrorResponses (...statuses: number[]): Record<number, TSchema> {
  return Object.fromEntries(statuses.map((s) => [s, s === 401 ? ErrorBody : Type.Union([OpenAIErrorBody, AigneErrorBody])]))
}

/**
 * POST /api/v2/embeddings, in two dialects told apart by the body's shape: OpenAI's `{model, input}`
 * (answered in OpenAI's list format, which includes the `data` AI Kit clients read) and the AIGNE envelope
 * `{input: {input, modelOptions: {model}}}` (answered `{embeddings, usage, model}`).
 */
const embeddings: FastifyPluginAsyncTypebox = async (app) => {
  app.post('/', {
    config: { scope: 'embeddings', errorShape: (request) => isEnvelope(request.body) ? 'aigne' : 'openai' },
    schema: {
      tags: ['openai-compatible', 'aigne'],
      summary: 'Create embeddings (OpenAI-compatible, or the AIGNE envelope)',
      security: [{ bearerAuth: [] }],
      body: Type.Union([EmbeddingsRequest, AigneEmbeddingsRequest]),
      response: {
        200: Type.Union([EmbeddingsResponse, AigneEmbeddingsOutput], { description: 'OpenAI list for an OpenAI body; {embeddings, usage, model} for an AIGNE one' }),
        ...mixedErrorResponses(...MODEL_CALL_ERRORS)
      }
    },
    validatorCompiler: () => (body: unknown) => (isEnvelope(body) ? aigneShape(body) : openAIShape(body)) as never
  }, async (request, reply) => {
    const body: unknown = request.body
    const context = chatContext(request, reply)
    if (!isEnvelope(body)) {
      const openAI = body as EmbeddingsRequestType
      openAI.model = allowedModel(request, app.providers.names, openAI.model, 'embedding')
      const result = await app.providers.embed(openAI, context)
      // sent as text: the provider's bytes reach the client untouched (vectors are large)
      return await reply.type('application/json; charset=utf-8').send(result.text as never)
    }
    const model = allowedEnvelopeModel(request as FastifyRequest & { body: AigneBody }, app.providers.names, 'embedding')
    const dimensions = body.input.modelOptions?.dimensions
    const internal = requireValid<EmbeddingsRequestType>(EmbeddingsRequest, { model, input: body.input.input, ...(dimensions !== undefined ? { dimensions } : {}) }, 'input, as an embeddings request,')
    const result = await app.providers.embed(internal, context)
    return { embeddings: embeddingVectors(result.value), usage: aigneUsageOrZero(result.usage, app.catalog.price(model)), model }
  })
}

export default embeddings
