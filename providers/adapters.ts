import { anthropicAdapter } from './anthropic/index.js'
import { geminiAdapter } from './gemini/index.js'
import { openAICompatibleAdapter } from './openai-compatible/index.js'
import type { AdapterKind, ProviderAdapter } from './types.js'

const ADAPTERS: Record<AdapterKind, ProviderAdapter> = {
  'openai-compatible': openAICompatibleAdapter,
  anthropic: anthropicAdapter,
  gemini: geminiAdapter
}

export function adapterFor (kind: AdapterKind): ProviderAdapter {
  return ADAPTERS[kind]
}
