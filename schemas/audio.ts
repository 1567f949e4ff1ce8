import { Type, type Static } from '@sinclair/typebox'
import { ChatCompletionRequest } from './chat.js'

/** OpenAI's POST /audio/speech body (openai SDK audio.speech.create), bounded. */
export const SpeechRequest = Type.Object({
  model: ChatCompletionRequest.properties.model,
  input: Type.String({ minLength: 1, maxLength: 4096, description: 'The text to speak; charged per character (catalog characterRate)' }),
  voice: Type.Union([Type.String({ minLength: 1, maxLength: 64 }), Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false })]),
  instructions: Type.Optional(Type.String({ maxLength: 4096 })),
  response_format: Type.Optional(Type.Union(['mp3', 'opus', 'aac', 'flac', 'wav', 'pcm'].map((f) => Type.Literal(f)))),
  speed: Type.Optional(Type.Number({ minimum: 0.25, maximum: 4 })),
  stream_format: Type.Optional(Type.Literal('audio', { description: 'Only "audio" (the bytes); server-sent events are not relayed' }))
}, { additionalProperties: false, $id: 'SpeechRequest' })

export const SpeechAudio = Type.String({ format: 'binary', description: 'The spoken audio (Content-Type as the provider sent it, e.g. audio/mpeg)' })

/** The answer formats of POST /audio/transcriptions. */
export const TRANSCRIPTION_FORMATS = ['json', 'text', 'srt', 'verbose_json', 'vtt', 'diarized_json'] as const

export const Transcription = Type.Unknown({
  description: 'The provider\'s transcript in the format asked for: JSON (json, verbose_json, diarized_json) or text (text, srt, vtt)'
})

export type SpeechRequestType = Static<typeof SpeechRequest>
