import { UpstreamFailedError, UpstreamJobFailedError } from '#errors.js'
import { parseJson } from '#upstream/http.js'
import { failedJob, fetchBytes, jobError, pollJob } from '#upstream/media-transfer.js'
import type { UpstreamCall, VideoAdapter, VideoRequest } from '#upstream/types.js'

/*
 * Veo through the Gemini API, a long-running operation: POST models/{model}:predictLongRunning answers
 * `{ name }`; GET {name} answers `{ done, response.generateVideoResponse.generatedSamples[].video.uri }` or
 * `{ done, error }`; the video is read from that URI with the same key (in a header, never in the URL). The real API
 * answers that download with a 302 to its storage (a signed URL): followed, without the key, as http.ts's followRedirects says.
 */

/** Hops to storage a download may take (Google's answers take one). */
const DOWNLOAD_REDIRECTS = 2

interface Operation {
  name?: unknown
  done?: unknown
  error?: { message?: unknown } | null
  response?: { generateVideoResponse?: { generatedSamples?: Array<{ video?: { uri?: unknown } }>, raiMediaFilteredReasons?: unknown[] } }
}

// an operation name is a path below the API root: nothing that could leave it
const OPERATION_NAME = /^(?!.*\.\.)[A-Za-z0-9][A-Za-z0-9._/-]{0,500}$/

function keyHeader (call: UpstreamCall): Record<string, string> {
  return { 'x-goog-api-key': call.provider.apiKey ?? '' }
}

function parameters (request: VideoRequest): Record<string, unknown> {
  const parameters: Record<string, unknown> = { durationSeconds: request.seconds }
  if (request.aspectRatio !== undefined) parameters.aspectRatio = request.aspectRatio
  if (request.size !== undefined) parameters.resolution = request.size
  return parameters
}

/** The video URI of a finished operation, undefined while it runs; a failed or filtered one throws. */
function videoUri (operation: Operation, call: UpstreamCall): string | undefined {
  if (operation.done !== true) return undefined
  const who = `Provider ${call.provider.id}`
  if (operation.error != null) {
    const reason = typeof operation.error.message === 'string' ? `: ${operation.error.message.slice(0, 500)}` : '.'
    throw failedJob(`${who} failed to generate the video${reason}`)
  }
  const answer = operation.response?.generateVideoResponse
  const uri = answer?.generatedSamples?.[0]?.video?.uri
  if (typeof uri === 'string') return uri
  const filtered = answer?.raiMediaFilteredReasons?.find((r) => typeof r === 'string') as string | undefined
  throw failedJob(`${who} generated no video${filtered !== undefined ? `: ${filtered.slice(0, 500)}` : '.'}`)
}

/** The URI as a path below the provider's API root; the key is never sent anywhere else. */
function pathBelowBase (uri: string, call: UpstreamCall): string {
  const base = call.provider.baseUrl.replace(/\/$/, '')
  if (!uri.startsWith(`${base}/`)) throw new UpstreamJobFailedError(`Provider ${call.provider.id} answered a video address outside its API.`)
  return uri.slice(base.length)
}

export const geminiVideo: VideoAdapter = {
  async generate (request, call, control) {
    const started = parseJson<Operation>(await call.http.postJsonForText(call, {
      path: `/models/${encodeURIComponent(call.model)}:predictLongRunning`,
      headers: keyHeader(call),
      body: JSON.stringify({ instances: [{ prompt: request.prompt }], parameters: parameters(request) })
    }), call)
    if (typeof started.name !== 'string' || !OPERATION_NAME.test(started.name)) {
      throw new UpstreamFailedError(`Provider ${call.provider.id} answered a video operation without a usable name.`)
    }
    control.created()
    const path = `/${started.name}`
    const uri = videoUri(started, call) ?? await pollJob(call, control, 'video', async () =>
      videoUri(parseJson<Operation>(await call.http.postJsonForText(call, { path, method: 'GET', headers: keyHeader(call) }), call), call))
    try {
      const video = await fetchBytes(call, { path: pathBelowBase(uri, call), method: 'GET', headers: keyHeader(call), followRedirects: DOWNLOAD_REDIRECTS }, control.maxBytes)
      return { data: video.data, mimeType: 'video/mp4' }
    } catch (err) {
      throw jobError(err, call, 'video')
    }
  }
}
