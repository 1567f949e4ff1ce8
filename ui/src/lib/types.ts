// The admin API's wire shapes as this page uses them. Kept here rather than imported from the server's
// schemas: those import Node-only modules, and the UI is its own package type-checked for the browser.
// The browser tests run against the real API, so a drift shows up there.

export const SCOPES = ['chat', 'embeddings', 'images', 'video', 'audio', 'admin'] as const

export const CREDIT_PERIODS = ['total', 'day', 'month'] as const
export type CreditPeriod = typeof CREDIT_PERIODS[number]

/** A key's limits; null = unlimited. */
export interface KeyLimits {
  /** Credits the key may spend per creditPeriod (402 past it). */
  creditLimit: number | null
  creditPeriod: CreditPeriod
  /** Credits each calling app (x-aigne-hub-client-did) may spend under the key per creditPeriod (402 past it). */
  perAppCreditLimit: number | null
  /** Requests per minute (429 past it). */
  rpm: number | null
  /** Prompt + completion tokens per minute (429 past it). */
  tpm: number | null
  /** Model calls in progress at once, streams until they end (429 past it). */
  maxConcurrent: number | null
}

export interface AccessKey extends KeyLimits {
  id: string
  name: string
  prefix: string
  scopes: string[]
  models: string[]
  expiresAt: string | null
  revokedAt: string | null
  createdAt: string
  updatedAt: string
  lastUsedAt: string | null
  status: 'active' | 'expired' | 'revoked'
}

export interface IssuedAccessKey extends AccessKey {
  /** The secret, present only in the create/rotate answer. */
  key: string
}

export interface AccessKeyList {
  items: AccessKey[]
  total: number
}

export interface AuditEntry {
  id: string
  at: string
  actor: string
  action: string
  targetType: string
  targetId: string | null
  ip: string | null
  details: Record<string, unknown> | null
}

/** One row of GET /api/admin/usage, with the dimension it was grouped by. */
export interface UsageRow {
  day?: string
  model?: string
  /** An access key id, or `jwt:<subject>` for a service calling with a JWT. */
  key?: string
  /** The calling app (x-aigne-hub-client-did); '' for calls that named none. */
  app?: string
  requests: number
  errors: number
  promptTokens: number
  completionTokens: number
  totalTokens: number
  credits: number
  /** Parts of the prompt and completion tokens priced at their own rates. */
  cachedTokens: number
  cacheWriteTokens: number
  cacheWrite1hTokens: number
  reasoningTokens: number
  audioInputTokens: number
  audioOutputTokens: number
  /** Seconds of video or audio, characters of speech input (priced per second / character). */
  seconds: number
  characters: number
}

export interface UsageReport {
  since: string
  until: string
  items: UsageRow[]
  /** Models used in the range with no price (counted at zero credits). */
  unpricedModels: string[]
}

export const MODEL_KINDS = ['chat', 'embedding', 'image', 'video', 'transcription', 'speech'] as const

/** One model of the catalog (GET /api/admin/models); rates are credits per 1M tokens, null = unpriced. */
export interface CatalogModel {
  id: string
  provider: string
  upstreamModel: string
  kind: typeof MODEL_KINDS[number]
  enabled: boolean
  inputRate: number | null
  outputRate: number | null
  /** Credits per image when no size/quality rate matches. */
  imageRate: number | null
  /** Credits per image by "size/quality" (either part "*"). */
  imageRates: Record<string, number>
  /** Credits per answered call. */
  requestRate: number | null
  /** Credits per 1M tokens of parts of the prompt and completion (null: the rate each defaults to). */
  cachedInputRate?: number | null
  cacheWriteRate?: number | null
  cacheWrite1hRate?: number | null
  reasoningRate?: number | null
  audioInputRate?: number | null
  audioOutputRate?: number | null
  /** Credits per second of video or audio; per 1M characters of speech input. */
  secondRate?: number | null
  characterRate?: number | null
  /** Long-context tiers: above that many prompt tokens, the tier's rates. */
  tiers?: Array<{ above: number, inputRate?: number, outputRate?: number }>
  /** In lists: the built-in price list knows the model (it prices it unless the entry sets its own token rates). */
  builtinPrice?: boolean
  fallbacks: string[]
  createdAt: string
  updatedAt: string
}

export const PROVIDER_KINDS = ['openai-compatible', 'anthropic', 'gemini', 'bedrock', 'ideogram'] as const

/** One upstream provider (GET /api/admin/providers): "env" ones come from the environment and are read-only. */
export interface Provider {
  id: string
  kind: typeof PROVIDER_KINDS[number]
  displayName: string
  baseUrl: string
  enabled: boolean
  models: string[]
  source: 'env' | 'store'
  readOnly: boolean
  credentials: number
  /** The built-in price list provider chosen: 'auto' (match the base URL), null (none) or a list id. */
  priceProvider: string | null
  /** The price list provider that prices its models now; null: none. */
  builtinPrices: string | null
}

/** A stored provider credential: the secret itself is never returned, only `secretHint` (masked). */
export interface ProviderCredential {
  id: string
  providerId: string
  label: string
  secretHint: string
  weight: number
  health: { state: 'ok' | 'cooling_down' | 'disabled', until?: string, reason?: string }
}

/** The answer of POST /api/admin/providers/:id/test. */
export interface ConnectionTest {
  ok: boolean
  status: number | null
  latencyMs: number
  message: string
}

/** A live single sign-on admin session (GET /api/admin/sessions). */
export interface AdminSession {
  id: string
  subject: string
  email: string | null
  name: string | null
  issuedAt: string
  expiresAt: string
  /** The session this tab is signed in with. */
  current: boolean
  /** Live access keys issued under this session (ending it can revoke them). */
  createdKeys: number
}
