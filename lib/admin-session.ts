import { createHmac } from 'node:crypto'
import { SignJWT, jwtVerify } from 'jose'
import { NO_LIMITS, type Principal } from './principal.js'

/** Recognizable at a glance and by the auth hook: an admin session, not an access key or a service JWT. */
export const SESSION_PREFIX = 'hgs_'
const AUDIENCE = 'hubgate:admin-session'

/** A purpose-bound key from the server secret, so no derived key can stand in for another. */
export function deriveKey (serverSecret: Buffer, purpose: string): Buffer {
  return createHmac('sha256', serverSecret).update(`hubgate ${purpose} v1`).digest()
}

export interface AdminIdentity {
  /** Stable identifier at the identity provider (iss + sub). */
  subject: string
  email?: string
  name?: string
}

/**
 * Short-lived admin sessions minted after single sign-on: an HS256 JWT under a key derived from the
 * server secret (so every replica accepts it), carrying only the admin scope. Stateless: it ends at
 * `exp`; signing out in the UI forgets it.
 */
export class AdminSessions {
  private readonly key: Buffer

  constructor (serverSecret: Buffer, private readonly ttlSeconds: number) {
    this.key = deriveKey(serverSecret, 'admin session')
  }

  async issue (identity: AdminIdentity): Promise<{ token: string, expiresAt: string }> {
    const expires = Math.floor(Date.now() / 1000) + this.ttlSeconds
    const jwt = await new SignJWT({ email: identity.email, name: identity.name, scope: 'admin' })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(identity.subject)
      .setIssuer(AUDIENCE)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(expires)
      .sign(this.key)
    return { token: SESSION_PREFIX + jwt, expiresAt: new Date(expires * 1000).toISOString() }
  }

  /** The session's principal, or undefined for anything that is not a valid, unexpired session of this gateway. */
  async verify (token: string): Promise<Principal | undefined> {
    if (!token.startsWith(SESSION_PREFIX)) return undefined
    let claims
    try {
      ({ payload: claims } = await jwtVerify(token.slice(SESSION_PREFIX.length), this.key, {
        algorithms: ['HS256'], issuer: AUDIENCE, audience: AUDIENCE, requiredClaims: ['exp', 'sub']
      }))
    } catch {
      return undefined
    }
    const email = typeof claims.email === 'string' ? claims.email : undefined
    const who = email ?? String(claims.sub)
    return {
      // kind jwt: the audit log records the id as is ("sso:alice@example.com")
      kind: 'jwt',
      id: `sso:${who}`,
      name: typeof claims.name === 'string' ? claims.name : who,
      scopes: new Set(['admin']),
      allowsModel: () => false,
      limits: NO_LIMITS
    }
  }
}
