export const SCOPES = ['chat', 'embeddings', 'images', 'video', 'audio', 'admin'] as const
export type Scope = typeof SCOPES[number]

export const CREDIT_PERIODS = ['total', 'day', 'month'] as const
export type CreditPeriod = typeof CREDIT_PERIODS[number]

/**
 * What each numeric limit may be (null aside: unlimited). rpm and tpm are 32-bit integers in the store (Postgres'
 * integer); the admin API's schema and the CLI are checked against the same ranges.
 */
export const LIMIT_RANGES = {
  creditLimit: { min: 0, max: 1e12, integer: false },
  perAppCreditLimit: { min: 0, max: 1e12, integer: false },
  rpm: { min: 1, max: 1e9, integer: true },
  tpm: { min: 1, max: 2_147_483_647, integer: true },
  maxConcurrent: { min: 1, max: 100_000, integer: true }
} as const

/** Spending and rate limits of an access key; null means unlimited. */
export interface KeyLimits {
  /** Credits the key may spend per period. */
  creditLimit: number | null
  creditPeriod: CreditPeriod
  /** Credits each calling app (x-aigne-hub-client-did; none is app '') may spend under the key per creditPeriod. */
  perAppCreditLimit: number | null
  /** Requests per minute. */
  rpm: number | null
  /** Tokens (prompt + completion) per minute. */
  tpm: number | null
  /** Calls (streams included, until they end) the key may have in progress at once. */
  maxConcurrent: number | null
}

export const NO_LIMITS: KeyLimits = Object.freeze({ creditLimit: null, creditPeriod: 'total', perAppCreditLimit: null, rpm: null, tpm: null, maxConcurrent: null })

/** A credit limit applies to the key's calls: its own, or one per app. */
export function isBudgeted (limits: KeyLimits): boolean {
  return limits.creditLimit !== null || limits.perAppCreditLimit !== null
}

/** Just the limits of a key (or anything carrying them). */
export function limitsOf (source: KeyLimits): KeyLimits {
  const { creditLimit, creditPeriod, perAppCreditLimit, rpm, tpm, maxConcurrent } = source
  return { creditLimit, creditPeriod, perAppCreditLimit, rpm, tpm, maxConcurrent }
}

/** Who is calling: an access key or a service presenting a JWT. Built once per request by the auth hook. */
export interface Principal {
  kind: 'access-key' | 'jwt'
  /** Access key id, or `jwt:<sub>` for services. */
  id: string
  name: string
  scopes: ReadonlySet<string>
  allowsModel: (model: string) => boolean
  limits: KeyLimits
  /** An admin session from single sign-on: its id, by which it can be ended before it expires. */
  sessionId?: string
}
