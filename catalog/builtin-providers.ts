import type { AdapterKind } from '#schemas/providers.js'

/** A provider the gateway knows how to reach, with the conventional environment names that configure it. */
export interface BuiltinProvider {
  id: string
  kind: AdapterKind
  displayName: string
  /** API root. OpenAI-compatible ones include the version path (…/v1) like the OpenAI SDK; Anthropic's does not, like its SDK. */
  defaultBaseUrl?: string
  /** Models listed by default (ids without the provider prefix); "*" admits any other name too. */
  defaultModels: readonly string[]
  env: {
    /** Credential variables, first one set wins; empty for keyless upstreams. */
    apiKey: readonly string[]
    baseUrl: string
    models: string
  }
}

export const BUILTIN_PROVIDERS: readonly BuiltinProvider[] = [
  {
    id: 'openai',
    kind: 'openai-compatible',
    displayName: 'OpenAI',
    defaultBaseUrl: 'https://api.openai.com/v1',
    defaultModels: ['gpt-4o', 'gpt-4o-mini', 'gpt-4.1', 'gpt-4.1-mini', 'gpt-4.1-nano', 'gpt-4', 'gpt-3.5-turbo', 'o3-mini', 'o4-mini', 'gpt-5', 'gpt-5-mini', 'gpt-5-nano'],
    env: { apiKey: ['OPENAI_API_KEY'], baseUrl: 'OPENAI_BASE_URL', models: 'OPENAI_MODELS' }
  },
  {
    id: 'anthropic',
    kind: 'anthropic',
    displayName: 'Anthropic',
    defaultBaseUrl: 'https://api.anthropic.com',
    defaultModels: ['claude-3-5-haiku-latest', 'claude-3-7-sonnet-latest', 'claude-sonnet-4-0', 'claude-opus-4-1', 'claude-sonnet-4-5', 'claude-haiku-4-5'],
    env: { apiKey: ['ANTHROPIC_API_KEY'], baseUrl: 'ANTHROPIC_BASE_URL', models: 'ANTHROPIC_MODELS' }
  },
  {
    id: 'gemini',
    kind: 'gemini',
    displayName: 'Google Gemini',
    defaultBaseUrl: 'https://generativelanguage.googleapis.com/v1beta',
    defaultModels: ['gemini-2.0-flash', 'gemini-2.0-flash-lite', 'gemini-2.5-flash', 'gemini-2.5-flash-lite', 'gemini-2.5-pro'],
    env: { apiKey: ['GEMINI_API_KEY', 'GOOGLE_API_KEY'], baseUrl: 'GEMINI_BASE_URL', models: 'GEMINI_MODELS' }
  },
  {
    id: 'deepseek',
    kind: 'openai-compatible',
    displayName: 'DeepSeek',
    defaultBaseUrl: 'https://api.deepseek.com',
    defaultModels: ['deepseek-chat', 'deepseek-reasoner'],
    env: { apiKey: ['DEEPSEEK_API_KEY'], baseUrl: 'DEEPSEEK_BASE_URL', models: 'DEEPSEEK_MODELS' }
  },
  {
    id: 'xai',
    kind: 'openai-compatible',
    displayName: 'xAI',
    defaultBaseUrl: 'https://api.x.ai/v1',
    defaultModels: ['grok-3', 'grok-3-mini', 'grok-4'],
    env: { apiKey: ['XAI_API_KEY'], baseUrl: 'XAI_BASE_URL', models: 'XAI_MODELS' }
  },
  {
    id: 'openrouter',
    kind: 'openai-compatible',
    displayName: 'OpenRouter',
    defaultBaseUrl: 'https://openrouter.ai/api/v1',
    // hundreds of vendor/model names that change weekly: admit any, list none unless configured
    defaultModels: ['*'],
    env: { apiKey: ['OPENROUTER_API_KEY'], baseUrl: 'OPENROUTER_BASE_URL', models: 'OPENROUTER_MODELS' }
  },
  {
    id: 'ollama',
    kind: 'openai-compatible',
    displayName: 'Ollama',
    // no default: a local Ollama is used only when OLLAMA_BASE_URL says where it is
    defaultModels: ['*'],
    env: { apiKey: [], baseUrl: 'OLLAMA_BASE_URL', models: 'OLLAMA_MODELS' }
  }
]
