import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { envelopeModel } from '../../../../lib/aigne-chat.js'
import { aigneUsage } from '../../../../lib/aigne-output.js'
import { aigneConfig } from '../../../../lib/aigne-route.js'
import { embeddingVectors } from '../../../../lib/media-answers.js'
import { requireValid } from '../../../../lib/translated-check.js'
import { requireModel } from '../../../../plugins/app/auth.js'
import { chatContext } from '../../../../plugins/app/providers.js'
import { AigneEmbeddingsOutput, AigneEmbeddingsRequest, aigneErrorResponses } from '../../../../schemas/aigne.js'
import { EmbeddingsRequest, EmbeddingsResponse, type EmbeddingsRequestType } from '../../../../schemas/embeddings.js'
import { strictBodyValidator } from '../../../../schemas/validator.js'

type Check = (value: unknown) => unknown
const openAIShape = strictBodyValidator({ schema: EmbeddingsRequest } as never) as Check
const aigneShape = strictBodyValidator({ schema: AigneEmbeddingsRequest } as never) as Check

/** An AIGNE envelope carries `input` as an object; OpenAI's `input` is a string or an array. */
function isEnvelope (body: unknown): body is { input: Record<string, unknown> } {
  const input = (body as { input?: unknown } | null)?.input
  return typeof input === 'object' && input !== null && !Array.isArray(input)
}

/**
 * POST /api/v2/embeddings, in two dialects told apart by the body's shape: OpenAI's `{model, input}`
 * (answered in OpenAI's list format, which includes the `data` AI Kit clients read) and the AIGNE envelope
 * `{input: {input, modelOptions: {model}}}` (answered `{embeddings, usage, model}`).
 */
const embeddings: FastifyPluginAsyncTypebox = async (app) => {
  app.post('/', {
    config: aigneConfig('embeddings'),
    schema: {
      tags: ['openai-compatible', 'aigne'],
      summary: 'Create embeddings (OpenAI-compatible, or the AIGNE envelope)',
      security: [{ bearerAuth: [] }],
      body: Type.Union([EmbeddingsRequest, AigneEmbeddingsRequest]),
      response: {
        200: Type.Union([EmbeddingsResponse, AigneEmbeddingsOutput], { description: 'OpenAI list for an OpenAI body; {embeddings, usage, model} for an AIGNE one' }),
        ...aigneErrorResponses(400, 401, 404, 413, 422, 429, 502, 503, 504)
      }
    },
    validatorCompiler: () => (body: unknown) => (isEnvelope(body) ? aigneShape(body) : openAIShape(body)) as never
  }, async (request, reply) => {
    const body = request.body
    const context = chatContext(request, reply)
    if (!('input' in body) || !isEnvelope(body)) {
      requireModel(request, body.model)
      const result = await app.providers.embed(body, context)
      return await reply.type('application/json; charset=utf-8').send(result.text as never)
    }
    const envelope = body as typeof body & { input: { input: string | string[], modelOptions?: { model?: string, dimensions?: number } } }
    const model = envelopeModel(envelope)
    requireModel(request, model)
    const dimensions = envelope.input.modelOptions?.dimensions
    const internal = requireValid<EmbeddingsRequestType>(EmbeddingsRequest, { model, input: envelope.input.input, ...(dimensions !== undefined ? { dimensions } : {}) }, 'input, as an embeddings request,')
    const result = await app.providers.embed(internal, context)
    return {
      embeddings: embeddingVectors(result.value),
      usage: aigneUsage(result.usage ?? { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 }, app.catalog.price(model)),
      model
    }
  })
}

export default embeddings
