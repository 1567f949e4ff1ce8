import type * as Oidc from 'openid-client'
import type { FastifyBaseLogger } from 'fastify'
import { commaList, oidcRedirectUrl, type AdminUiConfig } from './settings.js'
import type { AdminIdentity } from './admin-session.js'

/** Why a sign-in did not end in a session; the code goes back to the UI, details only to the log. */
export type SsoFailure = 'denied' | 'not-allowed' | 'expired' | 'failed'

export class SsoError extends Error {
  constructor (readonly reason: SsoFailure, message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'SsoError'
  }
}

/** What the gateway must remember between sending the browser to the provider and its return. */
export interface PendingLogin {
  state: string
  nonce: string
  codeVerifier: string
  redirectUri: string
  /** The admin page's own nonce (kept in its sessionStorage), echoed with the token so the page takes only its sign-in. */
  uiNonce: string
  /** Epoch ms after which the callback is refused. */
  expires: number
}

const LOGIN_WINDOW_MS = 10 * 60_000

/** openid-client is loaded at the first sign-in: a gateway without SSO does not carry it (~1 MB of heap). */
async function openidClient (): Promise<typeof Oidc> {
  return await import('openid-client')
}

/**
 * Admin sign-in with an OpenID Connect provider: authorization code flow with PKCE (S256), state and
 * nonce, the ID token validated by openid-client (signature from the provider's JWKS, iss, aud, exp,
 * nonce), then the identity checked against the allowed emails, domains and groups.
 */
export class OidcLogin {
  private discovered: Promise<Oidc.Configuration> | undefined
  private readonly emails: Set<string>
  private readonly domains: Set<string>
  private readonly groups: Set<string>

  constructor (private readonly config: AdminUiConfig & { OIDC_ISSUER: string, OIDC_CLIENT_ID: string }, private readonly log: FastifyBaseLogger) {
    this.emails = new Set(commaList(config.OIDC_ALLOWED_EMAILS).map((e) => e.toLowerCase()))
    this.domains = new Set(commaList(config.OIDC_ALLOWED_DOMAINS).map((d) => d.toLowerCase().replace(/^@/, '')))
    this.groups = new Set(commaList(config.OIDC_ALLOWED_GROUPS))
  }

  /** Where to send the browser, and what to keep (in a signed cookie) until it comes back. */
  async start (uiNonce: string): Promise<{ url: URL, pending: PendingLogin }> {
    const configuration = await this.configuration()
    const oidc = await openidClient()
    const pending: PendingLogin = {
      state: oidc.randomState(),
      nonce: oidc.randomNonce(),
      codeVerifier: oidc.randomPKCECodeVerifier(),
      // the config check (adminUiConfigProblem) makes sure there is one
      redirectUri: oidcRedirectUrl(this.config) ?? '',
      uiNonce,
      expires: Date.now() + LOGIN_WINDOW_MS
    }
    const url = oidc.buildAuthorizationUrl(configuration, {
      redirect_uri: pending.redirectUri,
      scope: this.config.OIDC_SCOPES,
      state: pending.state,
      nonce: pending.nonce,
      code_challenge: await oidc.calculatePKCECodeChallenge(pending.codeVerifier),
      code_challenge_method: 'S256'
    })
    return { url, pending }
  }

  /** Exchanges the code from the callback's query for validated ID token claims and checks who it is. */
  async finish (query: URLSearchParams, pending: PendingLogin | undefined): Promise<AdminIdentity> {
    if (query.has('error')) throw new SsoError('denied', `provider answered ${query.get('error') ?? ''}`)
    if (pending === undefined || pending.expires < Date.now()) throw new SsoError('expired', 'no pending login (cookie missing, tampered or expired)')
    const callbackUrl = new URL(pending.redirectUri)
    callbackUrl.search = query.toString()
    let claims: Oidc.IDToken | undefined
    const oidc = await openidClient()
    try {
      const tokens = await oidc.authorizationCodeGrant(await this.configuration(), callbackUrl, {
        pkceCodeVerifier: pending.codeVerifier, expectedState: pending.state, expectedNonce: pending.nonce, idTokenExpected: true
      })
      claims = tokens.claims()
    } catch (err) {
      throw new SsoError('failed', 'code exchange or ID token validation failed', { cause: err })
    }
    if (claims === undefined) throw new SsoError('failed', 'no ID token')
    return this.authorize(claims)
  }

  private authorize (claims: Oidc.IDToken): AdminIdentity {
    const email = typeof claims.email === 'string' ? claims.email.toLowerCase() : undefined
    // an address the provider does not say it verified proves nothing (a missing claim included)
    const verifiedEmail = claims.email_verified === true ? email : undefined
    const domain = verifiedEmail?.split('@').at(-1)
    const claimed = claims[this.config.OIDC_GROUPS_CLAIM]
    const groups = Array.isArray(claimed) ? claimed.filter((g): g is string => typeof g === 'string') : []
    const allowed = (verifiedEmail !== undefined && this.emails.has(verifiedEmail)) ||
      (domain !== undefined && this.domains.has(domain)) ||
      groups.some((g) => this.groups.has(g))
    if (!allowed) throw new SsoError('not-allowed', `identity not allowed (email ${email ?? 'none'}, verified ${String(claims.email_verified ?? 'unknown')})`)
    const name = typeof claims.name === 'string' ? claims.name : undefined
    return { subject: `${claims.iss} ${claims.sub}`, ...(verifiedEmail !== undefined ? { email: verifiedEmail } : {}), ...(name !== undefined ? { name } : {}) }
  }

  /** Provider metadata, discovered once; a failed discovery is retried on the next sign-in. */
  private async configuration (): Promise<Oidc.Configuration> {
    this.discovered ??= this.discover().catch((err: unknown) => {
      this.discovered = undefined
      throw new SsoError('failed', 'OpenID Connect discovery failed', { cause: err })
    })
    return await this.discovered
  }

  private async discover (): Promise<Oidc.Configuration> {
    const issuer = new URL(this.config.OIDC_ISSUER)
    const secret = this.config.OIDC_CLIENT_SECRET
    // allowed only with OIDC_ALLOW_INSECURE (checked when the config loads)
    const insecure = issuer.protocol === 'http:' && this.config.OIDC_ALLOW_INSECURE
    if (insecure) this.log.warn({ issuer: issuer.href }, 'OIDC issuer uses plain http (OIDC_ALLOW_INSECURE); use https outside local testing')
    const oidc = await openidClient()
    return await oidc.discovery(issuer, this.config.OIDC_CLIENT_ID, secret, secret === undefined ? oidc.None() : oidc.ClientSecretPost(secret), {
      ...(insecure ? { execute: [oidc.allowInsecureRequests] } : {})
    })
  }
}
