import { randomBytes } from 'node:crypto'
import { BadRequestError, UnsupportedRequestError, UpstreamFailedError } from '#errors.js'
import { parseJson } from '#upstream/http.js'
import { JsonPayload } from '#upstream/payload.js'
import { imageSizeOf } from '../translate.js'
import type { UpstreamRequest } from '#upstream/http.js'
import type { ConnectionProbe, ImagesAdapter, ImagesRequest, ImagesResponse, ProviderAdapter, ProviderConfig, UpstreamCall } from '#upstream/types.js'
import { namedModel } from '../connection-probe.js'

/**
 * Ideogram's image API (POST {base}/v1/{model}/generate, e.g. /v1/ideogram-v3/generate): a multipart form with the
 * key in the Api-Key header; it answers image URLs (valid for a limited time), translated to OpenAI's shape.
 */

/** Ideogram generates at most this many images per request. */
export const MAX_IMAGES = 8
const ASPECT_RATIOS = new Set(['1x3', '3x1', '1x2', '2x1', '9x16', '16x9', '10x16', '16x10', '2x3', '3x2', '3x4', '4x3', '4x5', '5x4', '1x1'])
const RENDERING_SPEEDS: Readonly<Record<string, string>> = { low: 'TURBO', standard: 'DEFAULT', medium: 'DEFAULT', hd: 'QUALITY', high: 'QUALITY' }
/** Ideogram's own fields a client may add to an OpenAI request (text or integers), passed on as they are. */
const PASSED_FIELDS = ['seed', 'negative_prompt', 'magic_prompt', 'style_type', 'rendering_speed', 'aspect_ratio', 'resolution'] as const
const MAX_FIELD_CHARS = 2_000

interface IdeogramAnswer { created?: string, data?: Array<{ url?: string | null, prompt?: string, is_image_safe?: boolean }> }

/** An OpenAI size: an aspect ratio Ideogram names ("1792x1024" is not one, "1024x1024" is 1x1), else an exact resolution. */
function sizeFields (size: string | undefined): Record<string, string> {
  const parsed = imageSizeOf(size)
  if (parsed === undefined) return {}
  const ratio = parsed.ratio.join('x')
  return ASPECT_RATIOS.has(ratio) ? { aspect_ratio: ratio } : { resolution: `${parsed.width}x${parsed.height}` }
}

/** The form fields of a request: the prompt, count, size and quality translated, Ideogram's own fields checked. */
export function formFields (request: ImagesRequest): Record<string, string> {
  const n = request.n ?? 1
  if (n > MAX_IMAGES) throw new UnsupportedRequestError(`Ideogram generates at most ${MAX_IMAGES} images per request; n was ${n}.`)
  const fields: Record<string, string> = { prompt: request.prompt, num_images: String(n), ...sizeFields(request.size) }
  const speed = RENDERING_SPEEDS[request.quality ?? '']
  if (speed !== undefined) fields.rendering_speed = speed
  const extra = request as Record<string, unknown>
  for (const name of PASSED_FIELDS) {
    const value = extra[name]
    if (value === undefined) continue
    if (!(typeof value === 'string' && value.length <= MAX_FIELD_CHARS) && !Number.isInteger(value)) {
      throw new BadRequestError(`${name} must be text of at most ${MAX_FIELD_CHARS} characters or an integer`)
    }
    fields[name] = String(value)
  }
  return fields
}

/** multipart/form-data of text fields, with a boundary none of them contains. */
function multipart (fields: Record<string, string>): { type: string, body: string } {
  let boundary: string
  do boundary = `hubgate-${randomBytes(16).toString('hex')}`
  while (Object.values(fields).some((v) => v.includes(boundary)))
  const parts = Object.entries(fields).map(([name, value]) => `--${boundary}\r\ncontent-disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`)
  return { type: `multipart/form-data; boundary=${boundary}`, body: `${parts.join('')}--${boundary}--\r\n` }
}

/** A generate request for `model` with the form `fields`, the key in the Api-Key header. */
function generateRequest (provider: ProviderConfig, model: string, fields: Record<string, string>): UpstreamRequest {
  const form = multipart(fields)
  return {
    path: `/v1/${encodeURIComponent(model)}/generate`,
    headers: { 'api-key': provider.apiKey ?? '', 'content-type': form.type, accept: 'application/json' },
    body: form.body
  }
}

async function generate (request: ImagesRequest, call: UpstreamCall): Promise<JsonPayload<ImagesResponse>> {
  const text = await call.http.postJsonForText(call, generateRequest(call.provider, call.model, formFields(request)))
  const answer = parseJson<IdeogramAnswer | null>(text, call)
  const images = (answer?.data ?? []).filter((image): image is { url: string } => typeof image.url === 'string' && image.url !== '')
  if (images.length === 0) {
    const unsafe = answer?.data?.some((image) => image.is_image_safe === false) === true
    throw new UpstreamFailedError(`Provider ${call.provider.id} generated no image${unsafe ? ': the images were flagged as unsafe.' : '.'}`)
  }
  const created = Date.parse(answer?.created ?? '')
  return JsonPayload.fromValue<ImagesResponse>({
    created: Math.floor((Number.isNaN(created) ? Date.now() : created) / 1000),
    data: images.map((image) => ({ url: image.url }))
  })
}

export const ideogramImages: ImagesAdapter = { generate }

/**
 * Ideogram's API has no models list nor any other free authenticated read for every key (its usage report needs an
 * organization admin's): the probe is a generate request without a prompt, refused 401 for a bad key, 400/422 after
 * an accepted one, generating nothing.
 */
const ideogramProbe: ConnectionProbe = {
  what: 'image API',
  request: (provider) => generateRequest(provider, namedModel(provider, 'ideogram-v3'), {}),
  accepted: (status) => status === 400 || status === 422
}

/** Ideogram is an image API only: no chat, no embeddings. */
export const ideogramAdapter: ProviderAdapter = { kind: 'ideogram', images: ideogramImages, connectionProbe: ideogramProbe }
