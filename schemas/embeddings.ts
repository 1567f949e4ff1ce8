import { Type, type Static } from '@sinclair/typebox'
import { ChatCompletionRequest } from './chat.js'

/** Most inputs one embeddings request may carry (OpenAI's own limit). */
export const EMBEDDING_INPUTS_MAX = 2048

const TokenArray = Type.Array(Type.Integer({ minimum: 0 }), { minItems: 1 })

export const EmbeddingsInput = Type.Union([
  Type.String({ minLength: 1 }),
  Type.Array(Type.String({ minLength: 1 }), { minItems: 1, maxItems: EMBEDDING_INPUTS_MAX }),
  TokenArray,
  Type.Array(TokenArray, { minItems: 1, maxItems: EMBEDDING_INPUTS_MAX })
], {
  description: 'A text, an array of texts, or token arrays (OpenAI-compatible providers only)',
  errorMessage: `must be a non-empty string, an array of 1 to ${EMBEDDING_INPUTS_MAX} non-empty strings, or token arrays`
})

/** OpenAI Embeddings request: the gateway's internal embeddings shape, whichever route it came through. */
export const EmbeddingsRequest = Type.Object({
  model: ChatCompletionRequest.properties.model,
  input: EmbeddingsInput,
  encoding_format: Type.Optional(Type.Union([Type.Literal('float'), Type.Literal('base64')], { errorMessage: 'must be "float" or "base64"' })),
  dimensions: Type.Optional(Type.Integer({ minimum: 1 })),
  user: Type.Optional(Type.String({ maxLength: 256 }))
}, {
  $id: 'EmbeddingsRequest',
  additionalProperties: true,
  description: 'OpenAI Embeddings request; unknown fields are passed unchanged to OpenAI-compatible providers and ignored for Gemini.'
})

export const Embedding = Type.Object({
  object: Type.Literal('embedding'),
  index: Type.Integer(),
  embedding: Type.Union([Type.Array(Type.Number()), Type.String({ description: 'base64 of little-endian float32 values' })])
}, { additionalProperties: true })

export const EmbeddingsResponse = Type.Object({
  object: Type.Literal('list'),
  data: Type.Array(Embedding),
  model: Type.String(),
  usage: Type.Object({ prompt_tokens: Type.Integer(), total_tokens: Type.Integer() }, { additionalProperties: true })
}, { $id: 'EmbeddingsResponse', additionalProperties: true, description: 'OpenAI Embeddings response' })

export type EmbeddingsInputType = Static<typeof EmbeddingsInput>
export type EmbeddingsRequestType = Static<typeof EmbeddingsRequest>
export type EmbeddingsResponseType = Static<typeof EmbeddingsResponse>
