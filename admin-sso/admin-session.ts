import { createHmac, randomUUID } from 'node:crypto'
import { SignJWT, jwtVerify } from 'jose'
import type { AdminSessionRepository } from '#store/admin-sessions.js'
import { NO_LIMITS, type Principal } from '#schemas/principal.js'
import { storableText } from '#store/storable-text.js'

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
 * server secret, carrying only the admin scope and its session id (`jti`). Each is also recorded in the
 * store, so every replica can tell it was ended early: signing out, or an admin revoking it, ends it
 * everywhere; otherwise it ends at `exp`.
 */
export class AdminSessions {
  private readonly key: Buffer

  constructor (serverSecret: Buffer, private readonly ttlSeconds: number, private readonly store: AdminSessionRepository) {
    this.key = deriveKey(serverSecret, 'admin session')
  }

  /** A new session for `signedIn`, recorded through `store` (an audited sign-in passes its transaction's). */
  async issue (signedIn: AdminIdentity, store = this.store): Promise<{ token: string, expiresAt: string, principal: Principal }> {
    // what the identity provider says is stored as it is, except for NUL (see storableText)
    const identity = {
      subject: storableText(signedIn.subject),
      email: signedIn.email === undefined ? undefined : storableText(signedIn.email),
      name: signedIn.name === undefined ? undefined : storableText(signedIn.name)
    }
    const nowMs = Date.now()
    const issued = Math.floor(nowMs / 1000)
    const expires = issued + this.ttlSeconds
    const id = randomUUID()
    // to the millisecond in the store, so sessions list newest first even when issued in the same second
    const now = new Date(nowMs).toISOString()
    const expiresAt = new Date(expires * 1000).toISOString()
    // sign-ins are rare: a good moment to drop the rows no token can use any more
    await store.purgeExpired(now)
    await store.create({ id, subject: identity.subject, email: identity.email ?? null, name: identity.name ?? null, issuedAt: now, expiresAt })
    const jwt = await new SignJWT({ email: identity.email, name: identity.name, scope: 'admin' })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(identity.subject)
      .setJti(id)
      .setIssuer(AUDIENCE)
      .setAudience(AUDIENCE)
      .setIssuedAt(issued)
      .setExpirationTime(expires)
      .sign(this.key)
    return { token: SESSION_PREFIX + jwt, expiresAt, principal: sessionPrincipal(id, identity.subject, identity.email, identity.name) }
  }

  /** Ends sessions early (every live one when `ids` is undefined); answers the ids of those that were live. */
  async revoke (ids?: string[], store = this.store): Promise<string[]> {
    return await store.revoke(new Date().toISOString(), ids)
  }

  async list (): ReturnType<AdminSessionRepository['listLive']> {
    return await this.store.listLive(new Date().toISOString())
  }

  /** The session's principal, or undefined for anything that is not a valid, unexpired session of this gateway. */
  async verify (token: string): Promise<Principal | undefined> {
    if (!token.startsWith(SESSION_PREFIX)) return undefined
    let claims
    try {
      ({ payload: claims } = await jwtVerify(token.slice(SESSION_PREFIX.length), this.key, {
        algorithms: ['HS256'], issuer: AUDIENCE, audience: AUDIENCE, requiredClaims: ['exp', 'sub', 'jti']
      }))
    } catch {
      return undefined
    }
    // signature and expiry hold; the store says whether it was ended early (a store failure propagates)
    const sessionId = String(claims.jti)
    if (!await this.store.isLive(sessionId, new Date().toISOString())) return undefined
    const text = (claim: unknown): string | undefined => typeof claim === 'string' ? claim : undefined
    return sessionPrincipal(sessionId, String(claims.sub), text(claims.email), text(claims.name))
  }
}

function sessionPrincipal (sessionId: string, subject: string, email: string | undefined, name: string | undefined): Principal {
  const who = email ?? subject
  return {
    // kind jwt: the audit log records the id as is ("sso:alice@example.com")
    kind: 'jwt',
    id: `sso:${who}`,
    name: name ?? who,
    scopes: new Set(['admin']),
    allowsModel: () => false,
    limits: NO_LIMITS,
    sessionId
  }
}
