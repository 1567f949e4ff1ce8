import { modelMatcher } from './key-secrets.js'
import { storableText } from '#store/storable-text.js'
import { NO_LIMITS, type Principal } from '#schemas/principal.js'

/**
 * A service JWT becomes a principal: scopes from the `scope` claim (space-separated, or an array),
 * allowed models from an optional `models` claim (patterns, default every model).
 */
export function principalFromJwt (claims: Record<string, unknown>): Principal {
  // the subject names the caller in usage records and the audit log
  const sub = typeof claims.sub === 'string' ? storableText(claims.sub) : 'service'
  const scope = claims.scope
  const scopes = typeof scope === 'string' ? scope.split(' ').filter(Boolean) : Array.isArray(scope) ? scope.filter((s): s is string => typeof s === 'string') : []
  const models = Array.isArray(claims.models) ? claims.models.filter((m): m is string => typeof m === 'string') : ['*']
  return { kind: 'jwt', id: `jwt:${sub}`, name: sub, scopes: new Set(scopes), allowsModel: modelMatcher(models), limits: NO_LIMITS }
}

/** What a service JWT may be, beyond a valid signature (JWT_MAX_LIFETIME_SECONDS, JWT_ALLOW_ADMIN). */
export interface ServiceTokenPolicy {
  maxLifetimeSeconds: number
  allowAdmin: boolean
}

/** Clocks of issuer and gateway may differ a little: an `iat` this far ahead is still "now". */
const CLOCK_TOLERANCE_SECONDS = 60

/**
 * Why a verified token is still refused, or undefined. A long-lived token is a standing credential that no
 * rotation reaches, so `exp − iat` and the token's age are capped; `admin` needs the operator's explicit consent.
 */
export function serviceTokenRefusal (claims: Record<string, unknown>, scopes: ReadonlySet<string>, policy: ServiceTokenPolicy, nowMs = Date.now()): string | undefined {
  const { iat, exp } = claims
  if (typeof iat !== 'number' || !Number.isFinite(iat) || typeof exp !== 'number' || !Number.isFinite(exp)) return 'iat and exp must be numbers'
  const now = nowMs / 1000
  if (iat > now + CLOCK_TOLERANCE_SECONDS) return 'issued in the future (iat)'
  if (exp - iat > policy.maxLifetimeSeconds) return 'lifetime (exp − iat) exceeds JWT_MAX_LIFETIME_SECONDS'
  if (now - iat > policy.maxLifetimeSeconds) return 'older than JWT_MAX_LIFETIME_SECONDS'
  if (scopes.has('admin') && !policy.allowAdmin) return 'asks for the admin scope and JWT_ALLOW_ADMIN is not true'
  return undefined
}
