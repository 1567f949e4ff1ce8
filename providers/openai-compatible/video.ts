import { parseJson } from '#upstream/http.js'
import { failedJob, fetchBytes, jobError, multipartBody, pollJob } from '#upstream/media-transfer.js'
import { UpstreamFailedError } from '#errors.js'
import type { UpstreamCall, VideoAdapter } from '#upstream/types.js'
import { bearerHeaders } from './media.js'

/*
 * OpenAI's video API (Sora), as the openai SDK speaks it: POST /videos (multipart: model, prompt, seconds, size)
 * answers a job, GET /videos/{id} its status until "completed" or "failed", GET /videos/{id}/content the MP4.
 */

interface VideoJob { id?: unknown, status?: unknown, error?: { message?: unknown } | null }

function jobOf (text: string, call: UpstreamCall): VideoJob & { id: string } {
  const job = parseJson<VideoJob>(text, call)
  if (typeof job.id !== 'string' || job.id === '') throw new UpstreamFailedError(`Provider ${call.provider.id} answered a video job without an id.`)
  return job as VideoJob & { id: string }
}

/** The finished job, undefined while it runs; a failed one throws with the provider's reason. */
function finished (job: VideoJob, call: UpstreamCall): VideoJob | undefined {
  if (job.status === 'completed') return job
  if (job.status === 'failed') {
    const reason = typeof job.error?.message === 'string' ? `: ${job.error.message.slice(0, 500)}` : '.'
    throw failedJob(`Provider ${call.provider.id} failed to generate the video${reason}`)
  }
  return undefined
}

export const openAIVideo: VideoAdapter = {
  async generate (request, call, control) {
    const fields: Array<[string, string]> = [['model', call.model], ['prompt', request.prompt], ['seconds', String(request.seconds)]]
    if (request.size !== undefined) fields.push(['size', request.size])
    const form = multipartBody(fields)
    const created = jobOf(await call.http.postJsonForText(call, {
      path: '/videos', headers: { ...bearerHeaders(call), 'content-type': form.contentType }, body: form.body
    }), call)
    control.created()
    const path = `/videos/${encodeURIComponent(created.id)}`
    if (finished(created, call) === undefined) {
      await pollJob(call, control, 'video', async () =>
        finished(jobOf(await call.http.postJsonForText(call, { path, method: 'GET', headers: bearerHeaders(call) }), call), call))
    }
    try {
      const video = await fetchBytes(call, { path: `${path}/content`, method: 'GET', headers: { ...bearerHeaders(call), accept: 'video/mp4' } }, control.maxBytes)
      return { data: video.data, mimeType: 'video/mp4' }
    } catch (err) {
      throw jobError(err, call, 'video')
    }
  }
}
