import { adapterFor } from '#providers/adapters.js'
import { UnsupportedRequestError } from '#errors.js'
import type { ProviderRegistry, ResolvedModel } from './registry.js'

export const MEDIA_KINDS = ['embedding', 'image', 'video', 'transcription', 'speech'] as const
export type MediaKind = typeof MEDIA_KINDS[number]

/**
 * Embedding and image models each provider offers out of the box, by provider id. The chat model lists
 * (OPENAI_MODELS, …) name chat models; these are admitted as well for their kind, so a configured OpenAI
 * key serves `openai/text-embedding-3-small` without listing it. A name in the provider's own list, or a
 * provider whose list holds "*", is admitted too. Access-key scopes (embeddings, images) and model
 * allow-lists restrict them per key.
 */
export const MEDIA_MODELS: Readonly<Record<string, Readonly<Partial<Record<MediaKind, readonly string[]>>>>> = {
  openai: {
    embedding: ['text-embedding-3-small', 'text-embedding-3-large', 'text-embedding-ada-002'],
    image: ['gpt-image-1', 'gpt-image-1-mini', 'dall-e-3', 'dall-e-2'],
    video: ['sora-2', 'sora-2-pro'],
    transcription: ['whisper-1', 'gpt-4o-transcribe', 'gpt-4o-mini-transcribe'],
    speech: ['tts-1', 'tts-1-hd', 'gpt-4o-mini-tts']
  },
  gemini: {
    embedding: ['gemini-embedding-001', 'text-embedding-004'],
    image: ['imagen-4.0-generate-001', 'imagen-4.0-fast-generate-001', 'imagen-4.0-ultra-generate-001', 'imagen-3.0-generate-002'],
    video: ['veo-3.0-generate-001', 'veo-3.0-fast-generate-001', 'veo-2.0-generate-001']
  },
  xai: { embedding: [], image: ['grok-2-image'] },
  ideogram: { embedding: [], image: ['ideogram-v3'] }
}

const CAPABILITY = { embedding: 'embeddings', image: 'images', video: 'video', transcription: 'audio', speech: 'audio' } as const

/** The media models a configured provider offers for `kind` (built-in defaults only; wildcards list nothing). */
export function mediaModelsOf (providerId: string, kind: MediaKind): readonly string[] {
  return MEDIA_MODELS[providerId]?.[kind] ?? []
}

/**
 * Resolves `provider/model` for an embeddings, image, video or audio call. Throws the registry's 400 for unknown or
 * unconfigured names, and a 400 when the provider's wire format has no such endpoint (Anthropic embeddings).
 */
export function resolveMediaModel (registry: ProviderRegistry, name: string, kind: MediaKind): ResolvedModel {
  const slash = name.indexOf('/')
  const provider = slash > 0 ? registry.get(name.slice(0, slash)) : undefined
  const model = name.slice(slash + 1)
  const resolved: ResolvedModel = provider !== undefined && mediaModelsOf(provider.id, kind).includes(model)
    ? { id: name, provider, model, adapter: adapterFor(provider.kind) }
    : registry.resolve(name)
  if (resolved.adapter[CAPABILITY[kind]] === undefined) {
    throw new UnsupportedRequestError(`Provider ${resolved.provider.id} does not offer ${CAPABILITY[kind]} through this gateway.`)
  }
  return resolved
}
