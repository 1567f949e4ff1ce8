import { anthropicAdapter } from './anthropic/index.js'
import { bedrockAdapter } from './bedrock/index.js'
import { geminiAdapter } from './gemini/index.js'
import { ideogramAdapter } from './ideogram/index.js'
import { openAICompatibleAdapter } from './openai-compatible/index.js'
import type { AdapterKind, ProviderAdapter } from '#upstream/types.js'

/** One adapter per wire format; each folder's index declares every capability it has. */
const ADAPTERS: Record<AdapterKind, ProviderAdapter> = {
  'openai-compatible': openAICompatibleAdapter,
  anthropic: anthropicAdapter,
  gemini: geminiAdapter,
  bedrock: bedrockAdapter,
  ideogram: ideogramAdapter
}

export function adapterFor (kind: AdapterKind): ProviderAdapter {
  return ADAPTERS[kind]
}
