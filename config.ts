import { Type, type Static, type TSchema } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { isIP } from 'node:net'
import { availableParallelism } from 'node:os'
import { ConfigError } from '#errors.js'
import { AdminUiSettings, adminUiConfigProblem } from '#admin-sso/settings.js'
import { ConnectSettings } from '#keys/connect-settings.js'
import { jwtAlgorithmProblem } from '#keys/jwt-algorithms.js'
import { BUILTIN_PROVIDERS, DEFAULT_AWS_REGION } from '#catalog/builtin-providers.js'
import { allowedHostsProblem } from '#upstream/allowed-hosts.js'
import { isPostgresUrl } from '#store/database-url.js'

const ApiKey = (provider: string) => Type.Optional(Type.String({ minLength: 1, description: `${provider} API key; the provider is enabled when it is set` }))
const BaseUrl = (id: string) => Type.Optional(Type.String({
  pattern: '^https?://\\S+$',
  description: `API root URL (default ${BUILTIN_PROVIDERS.find((p) => p.id === id)?.defaultBaseUrl ?? 'none'})`
}))
const ModelList = Type.Optional(Type.String({
  pattern: '^\\s*[^\\s,]+(\\s*,\\s*[^\\s,]+)*\\s*$',
  description: 'Comma-separated model ids the provider offers (default: a built-in list); "*" also admits any other name'
}))

/** Upstream providers, configured with each vendor's conventional variable names (see catalog/builtin-providers.ts). */
const ProviderSettings = {
  OPENAI_API_KEY: ApiKey('OpenAI'),
  OPENAI_BASE_URL: BaseUrl('openai'),
  OPENAI_MODELS: ModelList,
  ANTHROPIC_API_KEY: ApiKey('Anthropic'),
  ANTHROPIC_BASE_URL: BaseUrl('anthropic'),
  ANTHROPIC_MODELS: ModelList,
  GEMINI_API_KEY: ApiKey('Google Gemini'),
  GOOGLE_API_KEY: ApiKey('Google Gemini (used when GEMINI_API_KEY is not set)'),
  GEMINI_BASE_URL: BaseUrl('gemini'),
  GEMINI_MODELS: ModelList,
  DEEPSEEK_API_KEY: ApiKey('DeepSeek'),
  DEEPSEEK_BASE_URL: BaseUrl('deepseek'),
  DEEPSEEK_MODELS: ModelList,
  XAI_API_KEY: ApiKey('xAI'),
  XAI_BASE_URL: BaseUrl('xai'),
  XAI_MODELS: ModelList,
  OPENROUTER_API_KEY: ApiKey('OpenRouter'),
  OPENROUTER_BASE_URL: BaseUrl('openrouter'),
  OPENROUTER_MODELS: ModelList,
  DOUBAO_API_KEY: ApiKey('Doubao (Volcengine Ark)'),
  ARK_API_KEY: ApiKey('Doubao (Volcengine Ark; used when DOUBAO_API_KEY is not set)'),
  DOUBAO_BASE_URL: BaseUrl('doubao'),
  DOUBAO_MODELS: ModelList,
  POE_API_KEY: ApiKey('Poe'),
  POE_BASE_URL: BaseUrl('poe'),
  POE_MODELS: ModelList,
  IDEOGRAM_API_KEY: ApiKey('Ideogram (images)'),
  IDEOGRAM_BASE_URL: BaseUrl('ideogram'),
  IDEOGRAM_MODELS: ModelList,
  AWS_ACCESS_KEY_ID: Type.Optional(Type.String({ minLength: 16, maxLength: 128, pattern: '^[A-Z0-9]+$', description: 'AWS access key id for Bedrock; Bedrock is enabled when it and AWS_SECRET_ACCESS_KEY are set' })),
  AWS_SECRET_ACCESS_KEY: Type.Optional(Type.String({ minLength: 16, maxLength: 128, pattern: '^\\S+$', description: 'AWS secret access key for Bedrock' })),
  AWS_SESSION_TOKEN: Type.Optional(Type.String({ minLength: 1, maxLength: 3000, pattern: '^\\S+$', description: 'AWS session token, for temporary credentials' })),
  AWS_REGION: Type.Optional(Type.String({ pattern: '^[a-z]{2}(-[a-z]+)+-\\d+$', description: `Region Bedrock is called in (default ${DEFAULT_AWS_REGION}); its endpoint is https://bedrock-runtime.<region>.amazonaws.com` })),
  BEDROCK_BASE_URL: Type.Optional(Type.String({ pattern: '^https?://\\S+$', description: 'Bedrock runtime root (default https://bedrock-runtime.<AWS_REGION>.amazonaws.com)' })),
  BEDROCK_MODELS: ModelList,
  OLLAMA_BASE_URL: Type.Optional(Type.String({ pattern: '^https?://\\S+$', description: 'Ollama\'s OpenAI-compatible root, e.g. http://127.0.0.1:11434/v1; Ollama is enabled when it is set (no key)' })),
  OLLAMA_MODELS: ModelList,
  PROVIDER_ALLOWED_HOSTS: Type.Optional(Type.String({
    pattern: '^\\s*[^\\s,]+(\\s*,\\s*[^\\s,]+)*\\s*$',
    description: 'Comma-separated host names, IP addresses or CIDR ranges (e.g. 127.0.0.1,ollama.internal,10.0.0.0/8) that admin-configured providers (and storage a video download is redirected to) may point at although they are not public addresses'
  })),
  UPSTREAM_CONNECT_TIMEOUT_MS: Type.Integer({ default: 10_000, minimum: 1, description: 'Connecting to a provider (TCP + TLS)' }),
  UPSTREAM_TIMEOUT_MS: Type.Integer({ default: 600_000, minimum: 1, description: 'Until a provider\'s response headers; for a non-streamed call that is the whole answer' }),
  UPSTREAM_IDLE_TIMEOUT_MS: Type.Integer({ default: 300_000, minimum: 1, description: 'Longest silence between two pieces of a provider\'s response' }),
  UPSTREAM_RETRIES: Type.Integer({ default: 2, minimum: 0, maximum: 10, description: 'Extra attempts at a model after a 429, 5xx or connection failure, before any byte reached the client' }),
  UPSTREAM_RETRY_BASE_MS: Type.Integer({ default: 200, minimum: 1, description: 'Retry backoff base: retry n waits a random time below base·2^(n-1) (full jitter)' }),
  UPSTREAM_RETRY_MAX_WAIT_MS: Type.Integer({ default: 2_000, minimum: 0, description: 'Longest wait before a retry; a provider\'s Retry-After beyond it is not waited for (the call moves to a fallback or fails)' }),
  BREAKER_FAILURES: Type.Integer({ default: 5, minimum: 1, description: 'Consecutive failures (5xx, unreachable, timeouts) that open a provider\'s circuit breaker' }),
  BREAKER_COOLDOWN_MS: Type.Integer({ default: 30_000, minimum: 100, description: 'How long an open circuit refuses calls before one probe may go through' }),
  CHAT_BODY_LIMIT: Type.Integer({ default: 20 * 1024 * 1024, minimum: 1024, description: 'Largest chat request body in bytes (inline base64 images need room)' }),
  VIDEO_POLL_INTERVAL_MS: Type.Integer({ default: 5_000, minimum: 10, description: 'Wait between two status checks of a video job at the provider' }),
  VIDEO_MAX_POLLS: Type.Integer({ default: 120, minimum: 1, maximum: 10_000, description: 'Status checks of a video job before the call fails with 504 (the job is still charged: the provider bills it)' }),
  VIDEO_MAX_BYTES: Type.Integer({ default: 200 * 1024 * 1024, minimum: 1024, description: 'Largest generated video taken from a provider (a bigger one fails the call with 502)' }),
  VIDEO_KEEPALIVE_AFTER_MS: Type.Integer({ default: 150_000, minimum: 1, description: 'POST /api/v2/video: a video not ready by then gets its 200 headers, then a space every 15 s until the JSON answer (the AIGNE client waits 3 minutes for headers)' }),
  AUDIO_MAX_BYTES: Type.Integer({ default: 25 * 1024 * 1024, minimum: 1024, description: 'Largest audio file uploaded for transcription (413 beyond) and largest spoken audio taken from a provider' })
}

/**
 * Every setting comes from the environment. The schema is the single source of truth for names,
 * defaults and limits; `loadConfig` turns env strings into typed values and refuses bad ones.
 */
export const ConfigSchema = Type.Object({
  HOST: Type.String({ default: '127.0.0.1', minLength: 1 }),
  // parsed by parseWorkers before validation, like TRUST_PROXY
  WORKERS: Type.Union([Type.Integer({ minimum: 1, maximum: 1024 }), Type.Literal('auto')], {
    default: 1,
    description: 'Processes serving the one port (node:cluster workers sharing DATA_DIR, the database and exact limits); auto: one per available core',
    expected: 'a number of worker processes from 1 to 1024, or auto (one per available core)'
  }),
  PORT: Type.Integer({ default: 3000, minimum: 0, maximum: 65535 }),
  DATA_DIR: Type.String({ default: './data', minLength: 1 }),
  DATABASE_URL: Type.Optional(Type.String({ minLength: 1 })),
  DATABASE_SCHEMA: Type.String({ default: 'public', pattern: '^[A-Za-z_][A-Za-z0-9_]{0,62}$' }),
  DATABASE_QUERY_TIMEOUT_MS: Type.Integer({ default: 30_000, minimum: 100, description: 'Postgres: a query with no answer after this long fails as a store outage (503) and its connection is replaced, so a network that drops silently cannot hang requests (usage rollups and retention get 15 minutes)' }),
  REDIS_URL: Type.Optional(Type.String({ pattern: '^rediss?://\\S+$', description: 'Redis shared by every replica for budgets, tokens and requests per minute; without it those counters are per process' })),
  REDIS_KEY_PREFIX: Type.String({ default: 'hubgate:', minLength: 1, description: 'Prefix of every Redis key this gateway writes (separates deployments sharing one Redis)' }),
  LOG_LEVEL: Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)), { default: 'info' }),
  LOG_FORMAT: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('pretty')], {
    description: 'json: one JSON object a line; pretty: human-readable (needs pino-pretty, a dev dependency). Default: pretty on a terminal when pino-pretty is installed, json otherwise'
  })),
  ADMIN_KEY: Type.Optional(Type.String({ minLength: 32 })),
  SERVER_SECRET: Type.Optional(Type.String({ minLength: 32 })),
  JWT_SECRET: Type.Optional(Type.String({ minLength: 32 })),
  JWT_PUBLIC_KEY: Type.Optional(Type.String({ minLength: 1 })),
  JWT_ALGORITHMS: Type.Optional(Type.String({ pattern: '^(HS256|HS384|HS512|RS256|RS384|RS512|ES256|ES384|ES512|PS256|PS384|PS512)(,(HS256|HS384|HS512|RS256|RS384|RS512|ES256|ES384|ES512|PS256|PS384|PS512))*$' })),
  JWT_ISSUER: Type.Optional(Type.String({ minLength: 1 })),
  JWT_AUDIENCE: Type.Optional(Type.String({ minLength: 1 })),
  JWT_MAX_LIFETIME_SECONDS: Type.Integer({ default: 86_400, minimum: 1, description: 'Longest life of a service JWT: its exp − iat, and its age, may not exceed this (iat is required)' }),
  JWT_ALLOW_ADMIN: Type.Boolean({ default: false, description: 'Accept service JWTs whose scope claim includes admin (refused otherwise)' }),
  BODY_LIMIT: Type.Integer({ default: 4 * 1024 * 1024, minimum: 1024 }),
  KEY_CACHE_TTL_MS: Type.Integer({ default: 30_000, minimum: 0 }),
  KEY_CACHE_SIZE: Type.Integer({ default: 10_000, minimum: 1 }),
  LAST_USED_FLUSH_MS: Type.Integer({ default: 5_000, minimum: 10 }),
  // parsed by parseTrustProxy before validation: TypeBox alone would read "1" as true (trust every hop)
  TRUST_PROXY: Type.Union([Type.Boolean(), Type.Integer({ minimum: 0, maximum: 100 }), Type.String({ minLength: 1 })], {
    default: false,
    description: 'Whose X-Forwarded-For to believe: false (nobody), true (every hop: only behind a proxy that replaces the header), a hop count, or comma-separated proxy IPs/CIDRs',
    expected: 'true, false, a hop count, or comma-separated IP addresses / CIDRs of the proxies'
  }),
  // server timeouts: a slow client cannot hold a connection open by trickling headers or body
  HEADERS_TIMEOUT_MS: Type.Integer({ default: 10_000, minimum: 100 }),
  REQUEST_TIMEOUT_MS: Type.Integer({ default: 30_000, minimum: 100 }),
  KEEP_ALIVE_TIMEOUT_MS: Type.Integer({ default: 72_000, minimum: 100 }),
  SHUTDOWN_GRACE_MS: Type.Integer({ default: 25_000, minimum: 0 }),
  CORS_ORIGINS: Type.Optional(Type.String({ minLength: 1, description: 'Comma-separated origins allowed by CORS, or *' })),
  ...AdminUiSettings,
  ...ConnectSettings,
  OTEL_EXPORTER_OTLP_ENDPOINT: Type.Optional(Type.String({ pattern: '^https?://', description: 'OTLP/HTTP collector base URL; tracing is off without it' })),
  OTEL_SERVICE_NAME: Type.String({ default: 'hubgate', minLength: 1 }),
  CATALOG_REFRESH_MS: Type.Integer({ default: 30_000, minimum: 100, description: 'How often the model catalog is re-read (changes by other replicas)' }),
  DATA_DIR_LOCK_WAIT_MS: Type.Integer({
    default: 30_000,
    minimum: 0,
    description: 'How long a starting process waits for another one holding DATA_DIR (a replica being replaced) before refusing to start'
  }),
  USAGE_FLUSH_MS: Type.Integer({ default: 1_000, minimum: 10, description: 'How often batched usage records are written' }),
  // small enough that queued records are written before V8 promotes them to the old generation (peak RSS ~-25 MB at load)
  USAGE_BATCH_SIZE: Type.Integer({ default: 50, minimum: 1, description: 'Usage records that trigger a write before USAGE_FLUSH_MS' }),
  USAGE_BUFFER_MAX: Type.Integer({ default: 100_000, minimum: 1, description: 'Usage records held while the store is unavailable; beyond it the oldest are dropped (logged, counted)' }),
  USAGE_RETENTION_DAYS: Type.Integer({ default: 90, minimum: 1, description: 'Raw usage records are kept this long; daily rollups forever' }),
  USAGE_ROLLUP_INTERVAL_MS: Type.Integer({ default: 3_600_000, minimum: 1_000 }),
  RESPONSES_RETENTION_HOURS: Type.Integer({ default: 720, minimum: 1, description: 'Stored OpenAI Responses (previous_response_id, GET /api/v2/responses/{id}) are kept this long, then purged' }),
  RESPONSES_MAX_STORED_BYTES: Type.Integer({ default: 16 * 1024 * 1024, minimum: 1024, description: 'Largest conversation one stored response keeps (JSON bytes); a longer one is refused unless sent with "store": false' }),
  USAGE_DEFAULT_MAX_TOKENS: Type.Integer({ default: 4_096, minimum: 1, description: 'Completion tokens reserved (and capped) when a budgeted call names no max_tokens' }),
  BUILTIN_PRICES: Type.Boolean({ default: true, description: 'Price models the catalog does not from the bundled @pydantic/genai-prices list (the catalog\'s own rates win)' }),
  CREDITS_PER_USD: Type.Number({ exclusiveMinimum: 0, maximum: 1e12, default: 1, description: 'Credits one US dollar of built-in prices is worth (1: a credit is a dollar; 1000000: a micro-dollar)' }),
  UNPRICED_MODEL_POLICY: Type.Union([Type.Literal('refuse-limited'), Type.Literal('refuse'), Type.Literal('warn')], { default: 'refuse-limited', description: 'What a call to a model without a price does' }),
  MAX_EVENT_LOOP_DELAY_MS: Type.Integer({ default: 1_000, minimum: 0, description: '0 disables load shedding' }),
  AIGNE_MOUNT_POINT: Type.String({
    default: '/',
    pattern: '^/[^\\s?#]*$',
    description: 'Path prefix AIGNE clients put before /api/… (announced by GET /__blocklet__.js); set it when a reverse proxy serves Hubgate under a sub-path'
  }),
  ...ProviderSettings
})

export type Config = Static<typeof ConfigSchema>

export { ConfigError }

const keys = Object.keys(ConfigSchema.properties) as Array<keyof Config>

/** Reads the known variables from `env`, applies defaults and validates; throws ConfigError listing every problem. */
export function loadConfig (env: NodeJS.ProcessEnv = process.env): Config {
  const raw: Record<string, unknown> = {}
  for (const key of keys) {
    const value = env[key]
    if (value !== undefined && value !== '') raw[key] = value
  }
  if (typeof raw.TRUST_PROXY === 'string') raw.TRUST_PROXY = parseTrustProxy(raw.TRUST_PROXY)
  if (typeof raw.WORKERS === 'string') raw.WORKERS = parseWorkers(raw.WORKERS)
  const converted = Value.Convert(ConfigSchema, Value.Default(ConfigSchema, { ...raw }))
  const problems = [...Value.Errors(ConfigSchema, converted)].map((e) => {
    const name = e.path.replace(/^\//, '')
    // never echo the value: several settings are secrets
    return `${name}: ${describeExpected(e.schema) ?? e.message}`
  })
  // Convert truncates "3.5" to 3; a setting that is not a whole number must be refused, not rounded
  for (const key of keys) {
    if (ConfigSchema.properties[key].type === 'integer' && typeof raw[key] === 'string' && !/^\s*[+-]?\d+\s*$/.test(raw[key])) {
      if (!problems.some((p) => p.startsWith(`${key}:`))) problems.push(`${key}: Expected integer`)
    }
  }
  const proxyProblem = trustProxyProblem((converted as Partial<Config>).TRUST_PROXY)
  if (proxyProblem !== undefined && !problems.some((p) => p.startsWith('TRUST_PROXY:'))) problems.push(`TRUST_PROXY: ${proxyProblem}`)
  if (problems.length > 0) throw new ConfigError(`Invalid configuration:\n  ${problems.join('\n  ')}`)
  const config = converted as Config
  if (config.JWT_SECRET && config.JWT_PUBLIC_KEY) {
    throw new ConfigError('Invalid configuration:\n  JWT_SECRET and JWT_PUBLIC_KEY are mutually exclusive')
  }
  const jwtProblem = jwtAlgorithmProblem(config)
  if (jwtProblem !== undefined) throw new ConfigError(`Invalid configuration:\n  ${jwtProblem}`)
  if (config.HEADERS_TIMEOUT_MS >= config.REQUEST_TIMEOUT_MS) {
    throw new ConfigError('Invalid configuration:\n  HEADERS_TIMEOUT_MS must be below REQUEST_TIMEOUT_MS')
  }
  const hostsProblem = allowedHostsProblem(config.PROVIDER_ALLOWED_HOSTS)
  if (hostsProblem !== undefined) throw new ConfigError(`Invalid configuration:\n  ${hostsProblem}`)
  const ssoProblem = adminUiConfigProblem(config)
  if (ssoProblem !== undefined) throw new ConfigError(`Invalid configuration:\n  ${ssoProblem}`)
  if (isPostgresUrl(config.DATABASE_URL) && !config.SERVER_SECRET) {
    throw new ConfigError('Invalid configuration:\n  SERVER_SECRET is required with a Postgres DATABASE_URL (every replica must hash keys with the same secret)')
  }
  return config
}

/** How many processes serve: WORKERS, with auto resolved to this machine's available cores. */
export function workerCount (config: Pick<Config, 'WORKERS'>): number {
  return config.WORKERS === 'auto' ? availableParallelism() : config.WORKERS
}

/** "auto" or a whole number; anything else becomes NaN, for validation to refuse (conversion would round "2.5" to 2). */
function parseWorkers (raw: string): number | string {
  const value = raw.trim()
  if (value.toLowerCase() === 'auto') return 'auto'
  return /^\d+$/.test(value) ? Number(value) : Number.NaN
}

/** "true"/"false", a hop count, or a list of proxies, as Fastify's trustProxy takes them (see app.ts). */
function parseTrustProxy (raw: string): boolean | number | string {
  const value = raw.trim()
  if (/^(true|false)$/i.test(value)) return value.toLowerCase() === 'true'
  return /^\d+$/.test(value) ? Number(value) : value
}

/** A list of proxies must name addresses, CIDRs or proxy-addr's ranges; a typo must not silently trust nobody. */
function trustProxyProblem (value: Config['TRUST_PROXY'] | undefined): string | undefined {
  if (typeof value !== 'string') return undefined
  const ranges = new Set(['loopback', 'linklocal', 'uniquelocal'])
  const bad = value.split(',').map((s) => s.trim()).find((entry) => {
    if (ranges.has(entry)) return false
    const [address = '', bits, ...rest] = entry.split('/')
    const family = isIP(address)
    if (family === 0 || rest.length > 0) return true
    return bits !== undefined && !(/^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128))
  })
  return bad === undefined ? undefined : `Expected true, false, a hop count, or IP addresses / CIDRs ("${bad}" is none of these)`
}

/** A readable expectation for a choice among literals ("Expected one of: info, debug, …") instead of "Expected union value". */
function describeExpected (schema: TSchema): string | undefined {
  if (typeof schema.expected === 'string') return `Expected ${schema.expected}`
  const choices = (schema.anyOf as TSchema[] | undefined)?.map((s) => s.const as unknown)
  if (choices === undefined || choices.some((c) => typeof c !== 'string')) return undefined
  return `Expected one of: ${choices.join(', ')}`
}
