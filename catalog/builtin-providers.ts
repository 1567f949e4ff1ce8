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
  /**
   * For a credential made of several variables (Bedrock's AWS key pair): the credential and default base URL built
   * from the environment, or undefined when it is not configured. Used instead of `env.apiKey` and `defaultBaseUrl`.
   */
  fromEnv?: (env: Readonly<Record<string, string | undefined>>) => { credential: string, defaultBaseUrl: string } | undefined
}

/** The region Bedrock is called in when AWS_REGION is not set (the AWS SDK's usual one). */
export const DEFAULT_AWS_REGION = 'us-east-1'

/** AWS's conventional variables → a Bedrock credential (JSON, schemas/providers.ts AwsCredentialSecret) and regional endpoint. */
function awsFromEnv (env: Readonly<Record<string, string | undefined>>): { credential: string, defaultBaseUrl: string } | undefined {
  const { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey, AWS_SESSION_TOKEN: sessionToken } = env
  if (accessKeyId === undefined || secretAccessKey === undefined) return undefined
  const region = env.AWS_REGION ?? DEFAULT_AWS_REGION
  return {
    credential: JSON.stringify({ accessKeyId, secretAccessKey, ...(sessionToken !== undefined ? { sessionToken } : {}), region }),
    defaultBaseUrl: `https://bedrock-runtime.${region}.amazonaws.com`
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
    id: 'doubao',
    kind: 'openai-compatible',
    displayName: 'Doubao (Volcengine Ark)',
    defaultBaseUrl: 'https://ark.cn-beijing.volces.com/api/v3',
    defaultModels: ['doubao-seed-1-6-250615', 'doubao-seed-1-6-flash-250615', 'doubao-seed-1-6-flash-250828', 'doubao-1-5-pro-32k-250115'],
    // DOUBAO_API_KEY is AIGNE's name, ARK_API_KEY Volcengine's
    env: { apiKey: ['DOUBAO_API_KEY', 'ARK_API_KEY'], baseUrl: 'DOUBAO_BASE_URL', models: 'DOUBAO_MODELS' }
  },
  {
    id: 'poe',
    kind: 'openai-compatible',
    displayName: 'Poe',
    defaultBaseUrl: 'https://api.poe.com/v1',
    // Poe names its bots freely (Claude-Sonnet-4, GPT-4o, …): these are listed, any other name is admitted too
    defaultModels: ['gpt-5-mini', 'GPT-4o', 'Claude-Sonnet-4', 'Gemini-2.5-Pro', 'Grok-4', '*'],
    env: { apiKey: ['POE_API_KEY'], baseUrl: 'POE_BASE_URL', models: 'POE_MODELS' }
  },
  {
    id: 'ideogram',
    kind: 'ideogram',
    displayName: 'Ideogram',
    defaultBaseUrl: 'https://api.ideogram.ai',
    // image models: served by the images routes only
    defaultModels: ['ideogram-v3'],
    env: { apiKey: ['IDEOGRAM_API_KEY'], baseUrl: 'IDEOGRAM_BASE_URL', models: 'IDEOGRAM_MODELS' }
  },
  {
    id: 'bedrock',
    kind: 'bedrock',
    displayName: 'AWS Bedrock',
    defaultBaseUrl: `https://bedrock-runtime.${DEFAULT_AWS_REGION}.amazonaws.com`,
    defaultModels: ['us.amazon.nova-lite-v1:0', 'us.amazon.nova-pro-v1:0', 'us.anthropic.claude-sonnet-4-20250514-v1:0', 'us.anthropic.claude-3-5-haiku-20241022-v1:0', 'us.meta.llama3-3-70b-instruct-v1:0'],
    env: { apiKey: ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_REGION'], baseUrl: 'BEDROCK_BASE_URL', models: 'BEDROCK_MODELS' },
    fromEnv: awsFromEnv
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
