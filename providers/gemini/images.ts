import { UpstreamFailedError } from '#errors.js'
import { parseJson } from '#upstream/http.js'
import { JsonPayload } from '#upstream/payload.js'
import { imageSizeOf } from '../translate.js'
import type { ImagesAdapter, ImagesRequest, ImagesResponse, UpstreamCall } from '#upstream/types.js'

/**
 * Imagen through the Gemini API: POST models/{model}:predict with one instance (the prompt) and the number
 * of samples; the images come back as base64 (Imagen has no URLs), translated to OpenAI's shape. An OpenAI
 * size becomes the aspect ratio Imagen understands when it is one of them.
 */

interface ImagenAnswer { predictions?: Array<{ bytesBase64Encoded?: string, mimeType?: string, raiFilteredReason?: string }> }

const ASPECT_RATIOS = new Set(['1:1', '3:4', '4:3', '9:16', '16:9'])

function aspectRatio (size: string | undefined): string | undefined {
  const ratio = imageSizeOf(size)?.ratio.join(':')
  return ratio !== undefined && ASPECT_RATIOS.has(ratio) ? ratio : undefined
}

async function generate (request: ImagesRequest, call: UpstreamCall): Promise<JsonPayload<ImagesResponse>> {
  const ratio = aspectRatio(request.size)
  const body = { instances: [{ prompt: request.prompt }], parameters: { sampleCount: request.n ?? 1, ...(ratio !== undefined ? { aspectRatio: ratio } : {}) } }
  // the header, not ?key=, so the credential never appears in a URL
  const text = await call.http.postJsonForText(call, {
    path: `/models/${encodeURIComponent(call.model)}:predict`,
    headers: { 'x-goog-api-key': call.provider.apiKey ?? '' },
    body: JSON.stringify(body)
  })
  const answer = parseJson<ImagenAnswer>(text, call)
  const images = (answer.predictions ?? []).filter((p) => typeof p.bytesBase64Encoded === 'string')
  if (images.length === 0) {
    const reason = answer.predictions?.find((p) => p.raiFilteredReason !== undefined)?.raiFilteredReason
    throw new UpstreamFailedError(`Provider ${call.provider.id} generated no image${reason !== undefined ? `: ${reason}` : '.'}`)
  }
  return JsonPayload.fromValue<ImagesResponse>({ created: Math.floor(Date.now() / 1000), data: images.map((p) => ({ b64_json: p.bytesBase64Encoded as string })) })
}

export const geminiImages: ImagesAdapter = { generate }
