import type { AigneImageType } from '#schemas/aigne.js'
import { ImagesRequest, type ImagesRequestType } from '#schemas/images.js'
import type { EmbeddingsResponse, ImagesResponse, Usage } from '#upstream/types.js'
import { UpstreamFailedError } from '#errors.js'
import { definedOnly, requireValid } from '../translated-check.js'
import { callCredits, type ModelRates } from '#catalog/call-cost.js'

/** Image options as AIGNE and AI Kit clients name them (camelCase), wherever they put them. */
export interface CamelImageOptions {
  n?: unknown
  size?: unknown
  quality?: unknown
  style?: unknown
  background?: unknown
  outputFormat?: unknown
  outputCompression?: unknown
  moderation?: unknown
  user?: unknown
  responseFormat?: unknown
  response_format?: unknown
}

/** What an answered image call is charged (as its usage record says), for answers that report credits. */
export function imageCredits (rates: ModelRates | undefined, request: ImagesRequestType, usage: Usage | undefined, images: number): number | undefined {
  return callCredits(rates, {
    kind: 'image',
    promptTokens: usage?.prompt_tokens ?? 0,
    completionTokens: usage?.completion_tokens ?? 0,
    usageEstimated: usage === undefined,
    images,
    imageSize: request.size,
    imageQuality: request.quality,
    status: 200
  })
}

/** camelCase image options → the internal (OpenAI) image request, checked like one sent to /api/v2/images/generations. */
export function toImagesRequest (model: string, prompt: string, options: CamelImageOptions, what: string): ImagesRequestType {
  const format = options.responseFormat ?? options.response_format
  return requireValid<ImagesRequestType>(ImagesRequest, {
    model,
    prompt,
    ...definedOnly({
      n: options.n,
      size: options.size,
      quality: options.quality,
      style: options.style,
      background: options.background,
      output_format: options.outputFormat,
      output_compression: options.outputCompression,
      moderation: options.moderation,
      user: options.user,
      // the AIGNE framework says "base64" where OpenAI says "b64_json"
      response_format: format === 'base64' ? 'b64_json' : format
    })
  }, what)
}

/** OpenAI image data → AIGNE file contents: a URL stays a URL, base64 becomes a "file". */
export function aigneImages (response: ImagesResponse, mimeType: string): AigneImageType[] {
  return response.data.map((image) => {
    if (typeof image.url === 'string') return { type: 'url' as const, url: image.url, mimeType }
    if (typeof image.b64_json === 'string') return { type: 'file' as const, data: image.b64_json, mimeType }
    throw new UpstreamFailedError('The provider answered an image with neither a URL nor data.')
  })
}

/** The vectors of an embeddings answer in input order (base64 ones decoded from little-endian float32). */
export function embeddingVectors (response: EmbeddingsResponse): number[][] {
  return [...response.data].sort((a, b) => a.index - b.index).map(({ embedding }) => {
    if (typeof embedding !== 'string') return embedding
    const bytes = Buffer.from(embedding, 'base64')
    return Array.from(new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4))
  })
}
