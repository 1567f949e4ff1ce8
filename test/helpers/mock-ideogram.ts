import type { MockHandler, RecordedRequest } from './mock-server.js'
import { sendJson } from './mock-server.js'

/**
 * Ideogram's image API (POST /v1/ideogram-v3/generate): a multipart/form-data body, the key in the Api-Key header,
 * answered with image URLs as its API reference shows ({created, data: [{url, prompt, resolution, is_image_safe, seed, style_type}]}).
 */

/** The text fields of a multipart/form-data body (undefined when it is not one). */
export function formFields (req: RecordedRequest): Record<string, string> | undefined {
  const boundary = /^multipart\/form-data; boundary=(\S+)$/.exec(String(req.headers['content-type'] ?? ''))?.[1]
  if (boundary === undefined || !req.text.endsWith(`--${boundary}--\r\n`)) return undefined
  const fields: Record<string, string> = {}
  for (const part of req.text.split(`--${boundary}`).slice(1, -1)) {
    const match = /^\r\ncontent-disposition: form-data; name="([^"]+)"\r\n\r\n([\s\S]*)\r\n$/i.exec(part)
    if (match === null) return undefined
    fields[match[1] as string] = match[2] as string
  }
  return fields
}

export const ideogramMock = {
  /** `count` images (num_images when not given), each at its own URL; `unsafe` ones come back without a URL. */
  images (options: { unsafe?: boolean } = {}, key?: string): MockHandler {
    return (req, res) => {
      if (key !== undefined && req.headers['api-key'] !== key) return sendJson(res, 401, { detail: 'Unauthorized' })
      const fields = formFields(req)
      if (fields?.prompt === undefined) return sendJson(res, 400, { detail: 'prompt is required (multipart/form-data)' })
      const count = Number(fields.num_images ?? '1')
      const data = Array.from({ length: count }, (_, i) => ({
        prompt: fields.prompt,
        resolution: fields.resolution ?? '1024x1024',
        is_image_safe: options.unsafe !== true,
        seed: 12345 + i,
        style_type: 'GENERAL',
        url: options.unsafe === true ? null : `https://ideogram.ai/api/images/ephemeral/img${i}.png?exp=1`
      }))
      sendJson(res, 200, { created: '2025-06-01T12:00:00.000000+00:00', data })
    }
  }
}
