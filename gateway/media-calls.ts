import { isUnbilledJob } from '#upstream/media-transfer.js'
import { audioSecondsBound } from '#upstream/audio-duration.js'
import { textTokens } from '#upstream/token-estimate.js'
import type { AudioAdapter, GeneratedVideo, Speech, Transcription, TranscriptionRequest, VideoAdapter, VideoJobControl, VideoRequest } from '#upstream/types.js'
import type { ChatContext, ProviderService } from './service.js'

/*
 * Video and audio calls, each priced by what it measures (catalog/call-cost.ts): a video by the seconds asked for,
 * a transcription by the seconds of audio, speech by the characters of its input. Each reserves its bound first.
 */

export type VideoSettings = Omit<VideoJobControl, 'created'>

/** Upper bounds of a transcript's tokens per second of audio (gpt-4o-transcribe reports tokens): generous on purpose. */
const AUDIO_TOKENS_PER_SECOND = 25
const TRANSCRIPT_TOKENS_PER_SECOND = 10

/**
 * Generates one video. Charged the seconds asked for from the moment the provider accepted the job (it bills the
 * video even if the client leaves or the polling gives up), nothing when the provider reports the job failed.
 */
export async function generateVideo (service: ProviderService, model: string, request: VideoRequest, context: ChatContext, settings: VideoSettings): Promise<GeneratedVideo> {
  return await service.measuredCall(model, 'video', context, { seconds: request.seconds, promptTokens: textTokens(request.prompt).bound }, async (resolved, call, meter) => {
    try {
      return await (resolved.adapter.video as VideoAdapter).generate(request, call, { ...settings, created: () => { meter.measured({ seconds: request.seconds }) } })
    } catch (err) {
      if (isUnbilledJob(err)) meter.measured({ seconds: 0 })
      throw err
    }
  })
}

/** Transcribes an uploaded file: charged the seconds the provider measured (capped at the bound reserved) and any tokens it reports. */
export async function transcribe (service: ProviderService, model: string, request: TranscriptionRequest, context: ChatContext): Promise<Transcription> {
  const bound = audioSecondsBound(request.file.data)
  const media = {
    seconds: bound.seconds,
    promptTokens: Math.ceil(bound.seconds * AUDIO_TOKENS_PER_SECOND),
    completionTokens: Math.ceil(bound.seconds * TRANSCRIPT_TOKENS_PER_SECOND)
  }
  return await service.measuredCall(model, 'transcription', context, media, async (resolved, call, meter) => {
    const transcription = await (resolved.adapter.audio as AudioAdapter).transcribe(request, call)
    // no measure in the answer: a WAV's own length, else the bound (never free)
    meter.measured({ seconds: Math.min(transcription.seconds ?? bound.seconds, bound.seconds) })
    meter.usage(transcription.usage)
    return transcription
  })
}

/** Speaks `input`: charged its characters (Unicode code points) once the provider answered. */
export async function speak (service: ProviderService, model: string, body: Record<string, unknown> & { input: string }, context: ChatContext, maxBytes: number): Promise<Speech> {
  const characters = [...body.input].length
  return await service.measuredCall(model, 'speech', context, { characters, promptTokens: textTokens(body.input).bound }, async (resolved, call, meter) => {
    const speech = await (resolved.adapter.audio as AudioAdapter).speak(body, call, maxBytes)
    meter.measured({ characters })
    return speech
  })
}
