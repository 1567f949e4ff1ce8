import { parseJson } from '#upstream/http.js'
import { fetchBytes, multipartBody } from '#upstream/media-transfer.js'
import type { AudioAdapter, Transcription, UpstreamCall, Usage } from '#upstream/types.js'
import { bearerHeaders } from './media.js'

/*
 * OpenAI's audio API: POST /audio/transcriptions (multipart: the file and the client's fields, the model swapped) and
 * POST /audio/speech (JSON in, audio bytes out). Answers reach the client as the provider sent them; what they
 * measure (seconds of audio, tokens) is read for metering.
 */

const JSON_FORMATS = new Set(['json', 'verbose_json', 'diarized_json'])

interface TranscriptionJson {
  duration?: unknown
  usage?: { type?: unknown, seconds?: unknown, input_tokens?: unknown, output_tokens?: unknown, input_token_details?: { audio_tokens?: unknown } }
}

function count (value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : 0
}

/** Tokens a gpt-4o-transcribe answer reports (its audio input as audio tokens), in chat terms. */
function tokenUsage (usage: NonNullable<TranscriptionJson['usage']>): Usage {
  const prompt = count(usage.input_tokens)
  const completion = count(usage.output_tokens)
  const audio = count(usage.input_token_details?.audio_tokens)
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion, ...(audio > 0 ? { prompt_tokens_details: { audio_tokens: audio } } : {}) }
}

/** The end of the last cue of an SRT or WebVTT transcript, in seconds. */
export function subtitleSeconds (text: string): number | undefined {
  let last: number | undefined
  for (const match of text.matchAll(/--> *(?:(\d+):)?(\d{1,2}):(\d{2})[.,](\d{1,3})/g)) {
    last = Number(match[1] ?? 0) * 3600 + Number(match[2]) * 60 + Number(match[3]) + Number(`0.${match[4] as string}`)
  }
  return last
}

function measured (format: string, body: string, call: UpstreamCall): Omit<Transcription, 'body'> {
  if (!JSON_FORMATS.has(format)) return { contentType: 'text/plain; charset=utf-8', seconds: format === 'text' ? undefined : subtitleSeconds(body) }
  const answer = parseJson<TranscriptionJson>(body, call)
  const usage = answer.usage ?? undefined
  const seconds = count(answer.duration) || (usage?.type === 'duration' ? count(usage.seconds) : 0)
  return {
    contentType: 'application/json',
    seconds: seconds > 0 ? seconds : undefined,
    usage: usage?.type === 'tokens' ? tokenUsage(usage) : undefined
  }
}

export const openAIAudio: AudioAdapter = {
  async transcribe (request, call) {
    const format = request.fields.find(([name]) => name === 'response_format')?.[1] ?? 'json'
    // plain text says nothing of the audio's length: asked as JSON (which does), answered as the text the client wanted
    const fields = format === 'text' ? request.fields.map(([name, value]) => [name, name === 'response_format' ? 'json' : value] as const) : request.fields
    const form = multipartBody([['model', call.model], ...fields], { name: 'file', ...request.file })
    const body = await call.http.postJsonForText(call, {
      path: '/audio/transcriptions', headers: { ...bearerHeaders(call), 'content-type': form.contentType, accept: '*/*' }, body: form.body
    })
    if (format !== 'text') return { body, ...measured(format, body, call) }
    const text = parseJson<{ text?: unknown }>(body, call).text
    return { ...measured('json', body, call), body: `${typeof text === 'string' ? text : ''}\n`, contentType: 'text/plain; charset=utf-8' }
  },

  async speak (body, call, maxBytes) {
    const audio = await fetchBytes(call, {
      path: '/audio/speech', headers: { ...bearerHeaders(call), accept: '*/*' }, body: JSON.stringify({ ...body, model: call.model })
    }, maxBytes)
    return { data: audio.data, contentType: audio.contentType ?? 'audio/mpeg' }
  }
}
