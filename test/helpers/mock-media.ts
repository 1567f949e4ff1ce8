import type { MockHandler, RecordedRequest } from './mock-server.js'
import { sendJson } from './mock-server.js'

/*
 * Embeddings and image endpoints of the mock providers, in each API's wire format: OpenAI's POST /embeddings
 * and /images/generations (shapes from its API reference), Gemini's models/{m}:embedContent and
 * :batchEmbedContents. Vectors are derived from the input so a test can tell which text became which vector.
 */

/** A small vector that identifies a text: [its length, its first char code, its position]. */
export function vectorFor (text: string, index: number): number[] {
  return [text.length, text.charCodeAt(0), index]
}

function inputs (input: unknown): string[] {
  return (Array.isArray(input) ? input : [input]).map((item) => typeof item === 'string' ? item : JSON.stringify(item))
}

export const openAIMediaMock = {
  embeddings (promptTokens = 6): MockHandler {
    return (req, res) => sendJson(res, 200, {
      object: 'list',
      data: inputs(req.body?.input).map((text, index) => ({ object: 'embedding', index, embedding: vectorFor(text, index) })),
      model: `${String(req.body?.model)}-v2`,
      usage: { prompt_tokens: promptTokens, total_tokens: promptTokens }
    })
  },

  /** gpt-image style (base64 and token usage) when `b64` is given, dall-e style (URLs, no usage) otherwise. */
  images (answer: { b64?: string, url?: string, revisedPrompt?: string }): MockHandler {
    return (req, res) => {
      const n = typeof req.body?.n === 'number' ? req.body.n : 1
      const one = answer.b64 !== undefined ? { b64_json: answer.b64 } : { url: answer.url ?? 'https://images.example/1.png', ...(answer.revisedPrompt !== undefined ? { revised_prompt: answer.revisedPrompt } : {}) }
      sendJson(res, 200, {
        created: 1741570283,
        data: Array.from({ length: n }, () => one),
        ...(answer.b64 !== undefined ? { usage: { input_tokens: 50, output_tokens: 4160, total_tokens: 4210, input_tokens_details: { text_tokens: 50, image_tokens: 0 } } } : {})
      })
    }
  }
}

export const geminiMediaMock = {
  /** Answers embedContent and batchEmbedContents alike, as the Gemini API does (no usage metadata). */
  embeddings (): MockHandler {
    return (req: RecordedRequest, res) => {
      const textOf = (request: any): string => request?.content?.parts?.[0]?.text ?? ''
      if (req.url.includes(':batchEmbedContents')) {
        const requests: any[] = req.body?.requests ?? []
        return sendJson(res, 200, { embeddings: requests.map((r, i) => ({ values: vectorFor(textOf(r), i) })) })
      }
      sendJson(res, 200, { embedding: { values: vectorFor(textOf(req.body), 0) } })
    }
  }
}

export const imagenMock = {
  /** Imagen's :predict answer: one base64 PNG per requested sample. */
  predict (b64: string): MockHandler {
    return (req, res) => {
      const count = typeof req.body?.parameters?.sampleCount === 'number' ? req.body.parameters.sampleCount : 1
      sendJson(res, 200, { predictions: Array.from({ length: count }, () => ({ bytesBase64Encoded: b64, mimeType: 'image/png' })) })
    }
  }
}

/** Dispatches on the request path (the first key the URL contains), so one mock serves several endpoints. */
export function byPath (handlers: Record<string, MockHandler>): MockHandler {
  return async (req, res) => {
    const match = Object.keys(handlers).find((part) => req.url.includes(part))
    if (match === undefined) return sendJson(res, 404, { error: { message: `no mock for ${req.url}` } })
    await (handlers[match] as MockHandler)(req, res)
  }
}

/** Bytes standing in for an MP4 (the gateway never looks inside). */
export const MP4_BYTES = Buffer.from('\u0000\u0000\u0000\u0018ftypmp42 not really a video')

/**
 * OpenAI's video API as the openai SDK reads it: POST /videos (multipart) answers a queued job, each GET /videos/{id}
 * advances it (`pollsUntilDone` times "in_progress", then "completed" or the failure), GET /videos/{id}/content the MP4.
 */
export function openAIVideoMock (options: { pollsUntilDone?: number, fail?: string } = {}): MockHandler {
  let polls = 0
  const job = (status: string, seconds = '4'): Record<string, unknown> => ({
    id: 'video_123', object: 'video', model: 'sora-2', status, progress: status === 'completed' ? 100 : 0, created_at: 1712697600,
    completed_at: null, expires_at: null, prompt: 'A calico cat', seconds, size: '720x1280', remixed_from_video_id: null,
    error: status === 'failed' ? { code: 'moderation_blocked', message: options.fail } : null
  })
  return byPath({
    '/videos/video_123/content': (_req, res) => { res.writeHead(200, { 'content-type': 'video/mp4' }).end(MP4_BYTES) },
    '/videos/video_123': (_req, res) => {
      polls++
      if (polls <= (options.pollsUntilDone ?? 1)) return sendJson(res, 200, job('in_progress'))
      sendJson(res, 200, job(options.fail === undefined ? 'completed' : 'failed'))
    },
    '/videos': (_req, res) => sendJson(res, 200, job('queued'))
  })
}

/** An MP4 answer, as a file download sends it. */
export const sendVideo: MockHandler = (_req, res) => { res.writeHead(200, { 'content-type': 'video/mp4' }).end(MP4_BYTES) }

/** A redirect to `location`, as the Gemini API answers a file download (to a signed storage URL). */
export function redirectTo (location: () => string, status = 302): MockHandler {
  return (_req, res) => { res.writeHead(status, { location: location() }).end() }
}

/**
 * Gemini Veo's long-running operation: predictLongRunning, then GET operations/{id} until done, then the file download
 * (the MP4, or what `download` answers: the real API's 302 to its storage).
 */
export function veoMock (baseUrl: () => string, options: { pollsUntilDone?: number, filtered?: string, download?: MockHandler } = {}): MockHandler {
  let polls = 0
  const name = 'models/veo-3.0-generate-001/operations/op123'
  return byPath({
    ':predictLongRunning': (_req, res) => sendJson(res, 200, { name }),
    '/operations/op123': (_req, res) => {
      polls++
      if (polls <= (options.pollsUntilDone ?? 1)) return sendJson(res, 200, { name, done: false })
      const response = options.filtered !== undefined
        ? { generateVideoResponse: { raiMediaFilteredCount: 1, raiMediaFilteredReasons: [options.filtered] } }
        : { '@type': 'type.googleapis.com/google.ai.generativelanguage.v1beta.PredictLongRunningResponse', generateVideoResponse: { generatedSamples: [{ video: { uri: `${baseUrl()}/files/vid1:download?alt=media` } }] } }
      sendJson(res, 200, { name, done: true, response })
    },
    '/files/vid1:download': options.download ?? sendVideo
  })
}

/** A form field's value in a multipart body as the mock received it (undefined when absent). */
export function formField (raw: Buffer, name: string): string | undefined {
  const match = new RegExp(`name="${name.replace(/[[\]]/g, '\\$&')}"\\r\\n\\r\\n([^\\r]*)\\r\\n`).exec(raw.toString('latin1'))
  return match?.[1]
}

/**
 * OpenAI's POST /audio/transcriptions, answering in the format asked for: whisper-1 reports the audio's seconds
 * (`usage.type: "duration"` in json, `duration` in verbose_json), gpt-4o-transcribe tokens; srt and vtt are cues.
 */
export function transcriptionMock (text = 'Hello from the audio.'): MockHandler {
  return (req, res) => {
    const format = formField(req.raw, 'response_format') ?? 'json'
    const model = formField(req.raw, 'model')
    if (format === 'srt') {
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end(`1\n00:00:00,000 --> 00:00:02,500\n${text}\n\n`)
      return
    }
    if (format === 'verbose_json') return sendJson(res, 200, { task: 'transcribe', language: 'english', duration: 2.5, text, segments: [] })
    if (model === 'gpt-4o-transcribe') {
      return sendJson(res, 200, { text, usage: { type: 'tokens', input_tokens: 40, input_token_details: { text_tokens: 0, audio_tokens: 40 }, output_tokens: 8, total_tokens: 48 } })
    }
    sendJson(res, 200, { text, usage: { type: 'duration', seconds: 3 } })
  }
}

/** Bytes standing in for spoken MP3 audio. */
export const SPEECH_BYTES = Buffer.from('ID3\u0004\u0000 not really mp3 audio '.repeat(50))

/** OpenAI's POST /audio/speech: the audio streamed in pieces, as the API sends it (chunked). */
export const speechMock: MockHandler = async (_req, res) => {
  res.writeHead(200, { 'content-type': 'audio/mpeg' })
  for (let i = 0; i < SPEECH_BYTES.length; i += 256) await new Promise((resolve) => res.write(SPEECH_BYTES.subarray(i, i + 256), resolve))
  res.end()
}
