import { Type, type Static } from '@sinclair/typebox'
import { ChatCompletionRequest } from './chat.js'

export const IMAGE_LIMITS = Object.freeze({ n: 10, prompt: 32_000 })

/** OpenAI Images (generations) request: the gateway's internal image shape, whichever route it came through. */
export const ImagesRequest = Type.Object({
  model: ChatCompletionRequest.properties.model,
  prompt: Type.String({ minLength: 1, maxLength: IMAGE_LIMITS.prompt }),
  n: Type.Optional(Type.Integer({ minimum: 1, maximum: IMAGE_LIMITS.n })),
  size: Type.Optional(Type.String({ minLength: 1, maxLength: 32, description: 'e.g. 1024x1024, 1536x1024, auto' })),
  quality: Type.Optional(Type.String({ minLength: 1, maxLength: 32, description: 'e.g. standard, hd, low, medium, high, auto' })),
  style: Type.Optional(Type.String({ minLength: 1, maxLength: 32, description: 'dall-e-3: vivid or natural' })),
  response_format: Type.Optional(Type.Union([Type.Literal('url'), Type.Literal('b64_json')], { errorMessage: 'must be "url" or "b64_json"' })),
  background: Type.Optional(Type.String({ minLength: 1, maxLength: 32 })),
  output_format: Type.Optional(Type.Union([Type.Literal('png'), Type.Literal('jpeg'), Type.Literal('webp')], { errorMessage: 'must be "png", "jpeg" or "webp"' })),
  output_compression: Type.Optional(Type.Integer({ minimum: 0, maximum: 100 })),
  moderation: Type.Optional(Type.String({ minLength: 1, maxLength: 32 })),
  user: Type.Optional(Type.String({ maxLength: 256 }))
}, {
  $id: 'ImagesRequest',
  additionalProperties: true,
  description: 'OpenAI Images generation request; unknown fields are passed unchanged to OpenAI-compatible providers.'
})

export const GeneratedImage = Type.Object({
  url: Type.Optional(Type.String()),
  b64_json: Type.Optional(Type.String()),
  revised_prompt: Type.Optional(Type.String())
}, { additionalProperties: true })

export const ImagesResponse = Type.Object({
  created: Type.Integer(),
  data: Type.Array(GeneratedImage),
  usage: Type.Optional(Type.Object({
    input_tokens: Type.Optional(Type.Integer()),
    output_tokens: Type.Optional(Type.Integer()),
    total_tokens: Type.Optional(Type.Integer())
  }, { additionalProperties: true }))
}, { $id: 'ImagesResponse', additionalProperties: true, description: 'OpenAI Images response' })

export type ImagesRequestType = Static<typeof ImagesRequest>
export type ImagesResponseType = Static<typeof ImagesResponse>

/** MIME type of a generated image: OpenAI sends PNG unless output_format says otherwise. */
export function imageMimeType (request: Pick<ImagesRequestType, 'output_format'>): string {
  return `image/${request.output_format ?? 'png'}`
}
