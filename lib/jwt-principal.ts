import { modelMatcher } from './key-secrets.js'
import { storableText } from './storable-text.js'
import { NO_LIMITS, type Principal } from './principal.js'

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
