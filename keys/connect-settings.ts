import { Type } from '@sinclair/typebox'
import { CREDIT_PERIODS, LIMIT_RANGES, type CreditPeriod, type Scope } from '#schemas/principal.js'

/** Scopes a key from `aigne hub connect` may get: never admin, whoever approves it (the flow starts unauthenticated). */
export const CONNECT_SCOPES = ['chat', 'embeddings', 'images'] as const satisfies readonly Scope[]
const SCOPE_LIST = `(${CONNECT_SCOPES.join('|')})`
const HttpUrl = (description: string) => Type.Optional(Type.String({ pattern: '^https?://\\S+$', maxLength: 2000, description }))

/** Settings of `aigne hub connect` and of GET /api/user/info, spread into the config schema. */
export const ConnectSettings = {
  CONNECT_SESSIONS_MAX: Type.Integer({ default: 1000, minimum: 1, maximum: 1_000_000, description: 'Unexpired `aigne hub connect` sessions the gateway holds at once; past it opening one answers 503' }),
  CONNECT_SESSIONS_PER_MINUTE: Type.Integer({ default: 10, minimum: 1, maximum: 100_000, description: 'Connect sessions one client IP may open per minute (429 past it)' }),
  // the CLI polls every 1.5 s (40 a minute): the default leaves room for a few at once behind one address
  CONNECT_POLLS_PER_MINUTE: Type.Integer({ default: 200, minimum: 1, maximum: 100_000, description: 'Connect session polls and deletes one client IP may make per minute (429 past it)' }),
  CONNECT_KEY_SCOPES: Type.String({ default: CONNECT_SCOPES.join(','), pattern: `^${SCOPE_LIST}(,${SCOPE_LIST})*$`, description: 'Scopes the approval page offers checked for a connected key' }),
  CONNECT_KEY_MODELS: Type.String({ default: '*', minLength: 1, maxLength: 2000, pattern: '^[A-Za-z0-9*][A-Za-z0-9._:*/-]*(,[A-Za-z0-9*][A-Za-z0-9._:*/-]*)*$', description: 'Comma-separated model patterns the approval page proposes' }),
  CONNECT_KEY_CREDIT_LIMIT: Type.Optional(Type.Number({ minimum: LIMIT_RANGES.creditLimit.min, maximum: LIMIT_RANGES.creditLimit.max, description: 'Credit limit the approval page proposes (none when unset)' })),
  CONNECT_KEY_CREDIT_PERIOD: Type.Union(CREDIT_PERIODS.map((p) => Type.Literal(p)), { default: 'month', description: 'Period of that credit limit' }),
  CONNECT_KEY_RPM: Type.Optional(Type.Integer({ minimum: LIMIT_RANGES.rpm.min, maximum: LIMIT_RANGES.rpm.max, description: 'Requests per minute the approval page proposes (none when unset)' })),
  USER_PAYMENT_LINK: HttpUrl('Where GET /api/user/info (`aigne hub status`) sends a user to buy credits'),
  USER_PROFILE_LINK: HttpUrl('Where GET /api/user/info sends a user to see their credits')
}

export interface ConnectKeyDefaults {
  scopes: Scope[]
  models: string[]
  creditLimit: number | null
  creditPeriod: CreditPeriod
  perAppCreditLimit: null
  rpm: number | null
  tpm: null
  maxConcurrent: null
}

interface ConnectConfig {
  CONNECT_KEY_SCOPES: string
  CONNECT_KEY_MODELS: string
  CONNECT_KEY_CREDIT_LIMIT?: number | undefined
  CONNECT_KEY_CREDIT_PERIOD: CreditPeriod
  CONNECT_KEY_RPM?: number | undefined
}

/** What the approval page starts from for a new connected key (the admin may change every field). */
export function connectKeyDefaults (config: ConnectConfig): ConnectKeyDefaults {
  return {
    scopes: [...new Set(config.CONNECT_KEY_SCOPES.split(','))] as Scope[],
    models: [...new Set(config.CONNECT_KEY_MODELS.split(','))],
    creditLimit: config.CONNECT_KEY_CREDIT_LIMIT ?? null,
    creditPeriod: config.CONNECT_KEY_CREDIT_PERIOD,
    perAppCreditLimit: null,
    rpm: config.CONNECT_KEY_RPM ?? null,
    tpm: null,
    maxConcurrent: null
  }
}
