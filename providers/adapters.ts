import { anthropicAdapter } from './anthropic/index.js'
import { geminiEmbeddings } from './gemini/embeddings.js'
import { geminiImages } from './gemini/images.js'
import { geminiAdapter } from './gemini/index.js'
import { openAICompatibleAdapter } from './openai-compatible/index.js'
import { openAIEmbeddings, openAIImages } from './openai-compatible/media.js'
import type { AdapterKind, ProviderAdapter } from '#upstream/types.js'

const ADAPTERS: Record<AdapterKind, ProviderAdapter> = {
  'openai-compatible': { ...openAICompatibleAdapter, embeddings: openAIEmbeddings, images: openAIImages },
  anthropic: anthropicAdapter,
  gemini: { ...geminiAdapter, embeddings: geminiEmbeddings, images: geminiImages }
}

export function adapterFor (kind: AdapterKind): ProviderAdapter {
  return ADAPTERS[kind]
}
