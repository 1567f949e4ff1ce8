/** Table shapes as Kysely sees them. Timestamps are ISO-8601 UTC strings in both dialects so they sort and compare as text. */
export interface AccessKeysTable {
  id: string
  name: string
  prefix: string
  hash: string
  /** Hash of the secret this key had before its last rotation, accepted until previous_hash_expires_at. */
  previous_hash: string | null
  previous_hash_expires_at: string | null
  /** JSON array of scope names. */
  scopes: string
  /** JSON array of model patterns such as "openai/*". */
  models: string
  expires_at: string | null
  revoked_at: string | null
  created_at: string
  updated_at: string
  last_used_at: string | null
  /** Limits (migration 005); null = unlimited. */
  credit_limit: number | null
  credit_period: string | null
  rpm: number | null
  tpm: number | null
  /** Calls in progress at once (migration 010); null = unlimited. */
  max_concurrent: number | null
  /** Who issued the key and under which single sign-on session (migration 011); null for older keys. */
  created_by: string | null
  created_by_session: string | null
  /** Credits each app may spend under the key per period (migration 016); null = no per-app limit. */
  per_app_credit_limit?: number | null
}

export interface AuditLogTable {
  id: string
  at: string
  actor: string
  action: string
  target_type: string
  target_id: string | null
  ip: string | null
  /** JSON object with action-specific details (never secrets). */
  details: string | null
}

export interface UsageRecordsTable {
  id: string
  request_id: string
  at: string
  key_id: string
  model: string
  provider: string
  upstream_model: string
  prompt_tokens: number
  completion_tokens: number
  total_tokens: number
  credits: number
  /** 1 when the model had a price; 0 marks usage recorded at zero under the unpriced-model policy. */
  priced: number
  status: number
  latency_ms: number
  ttfb_ms: number
  streamed: number
  client_aborted: number
  error: string | null
  /** Parts of prompt_tokens / completion_tokens priced at their own rates (migration 012; default 0, so optional on insert). */
  cached_tokens?: number
  cache_write_tokens?: number
  cache_write_1h_tokens?: number
  reasoning_tokens?: number
  audio_input_tokens?: number
  audio_output_tokens?: number
  /** Seconds of video or audio and characters of speech input (migration 017; default 0). */
  seconds?: number
  characters?: number
  /** The app the caller named (migration 016); '' for none. */
  app: string
}

/** One rolled-up day per key, model and provider. Counters are bigint on Postgres (read back as strings). */
export interface UsageDailyTable {
  day: string
  key_id: string
  model: string
  provider: string
  requests: number
  errors: number
  prompt_tokens: number | string
  completion_tokens: number | string
  total_tokens: number | string
  credits: number
  cached_tokens?: number | string
  cache_write_tokens?: number | string
  cache_write_1h_tokens?: number | string
  reasoning_tokens?: number | string
  audio_input_tokens?: number | string
  audio_output_tokens?: number | string
  seconds?: number | string
  characters?: number | string
}

/** usage_daily with the app (migration 016): one rolled-up day per key, app, model and provider. */
export interface UsageDailyAppsTable extends UsageDailyTable {
  app: string
}

export interface UsageStateTable {
  name: string
  value: string
}

export interface ModelsTable {
  id: string
  provider: string
  upstream_model: string
  kind: string
  enabled: number
  /** Credits per 1M input tokens; null = no price set. */
  input_rate: number | null
  output_rate: number | null
  /** Credits per generated image when no rate of image_rates matches; null = none. */
  image_rate: number | null
  /** JSON object: credits per image by "size/quality" (either part "*"). */
  image_rates: string
  /** Credits per answered call; null = none. */
  request_rate: number | null
  /** Credits per 1M tokens of each kind (migration 012); null = the rate it defaults to (catalog/rates.ts). */
  cached_input_rate: number | null
  cache_write_rate: number | null
  cache_write_1h_rate: number | null
  reasoning_rate: number | null
  audio_input_rate: number | null
  audio_output_rate: number | null
  /** Credits per second of video or audio / per 1M characters of speech input (migration 017); null = none. */
  second_rate: number | null
  character_rate: number | null
  /** JSON array of long-context tiers: [{"above": 200000, "inputRate": …}]. */
  rate_tiers: string
  /** JSON array of model ids tried, in order, when this one fails. */
  fallbacks: string
  created_at: string
  updated_at: string
}

/** Other names of a catalog model (migration 012); an alias names one model across the catalog. */
export interface ModelAliasesTable {
  alias: string
  model_id: string
  created_at: string
}

export interface ProvidersTable {
  id: string
  kind: string
  display_name: string
  base_url: string
  enabled: number
  /** JSON array of model ids (migration 006). */
  models: string
  /** The price package's provider for its models: 'auto' (match the base URL), NULL for none, or its id (migration 018). */
  price_provider: string | null
  created_at: string
  updated_at: string
}

export interface ProviderCredentialsTable {
  id: string
  provider_id: string
  label: string
  /** AES-256-GCM sealed secret (keys/secret-box.ts); never the plaintext. */
  secret_ciphertext: string
  /** Masked form shown to administrators. */
  secret_hint: string
  weight: number
  disabled_reason: string | null
  cooldown_until: string | null
  created_at: string
  updated_at: string
}

export interface AdminSessionsTable {
  id: string
  subject: string
  email: string | null
  name: string | null
  issued_at: string
  expires_at: string
  revoked_at: string | null
}

/** A stored OpenAI Response (migration 013): conversation and response object as JSON text. */
export interface ResponsesTable {
  id: string
  key_id: string
  model: string
  created_at: string
  expires_at: string
  /** JSON array: every input item so far, then this response's output items. */
  conversation: string
  /** JSON: the response object, as GET answers it. */
  response: string
}

/** An output item of a stored response, for `item_reference` (JSON text). */
export interface ResponseItemsTable {
  key_id: string
  item_id: string
  response_id: string
  expires_at: string
  item: string
}

/** A session of `aigne hub connect` (migration 015), keyed by the HMAC of its id. */
export interface ConnectSessionsTable {
  id_hash: string
  /** pending, approved or denied */
  status: string
  created_at: string
  expires_at: string
  key_id: string | null
  /** The approved key's secret, sealed with the server secret (keys/secret-box.ts) until the CLI collects it. */
  sealed_secret: string | null
  challenge: string | null
}

export interface Database {
  access_keys: AccessKeysTable
  audit_log: AuditLogTable
  usage_records: UsageRecordsTable
  usage_daily: UsageDailyTable
  usage_daily_apps: UsageDailyAppsTable
  usage_state: UsageStateTable
  models: ModelsTable
  model_aliases: ModelAliasesTable
  providers: ProvidersTable
  provider_credentials: ProviderCredentialsTable
  admin_sessions: AdminSessionsTable
  responses: ResponsesTable
  response_items: ResponseItemsTable
  connect_sessions: ConnectSessionsTable
}
