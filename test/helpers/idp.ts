import { createServer, type AddressInfo } from 'node:net'
import { OAuth2Server } from 'oauth2-mock-server'
import type { FastifyInstance } from 'fastify'
import { build, type TestContext } from './build.js'

export const OIDC_CLIENT_ID = 'hubgate-admin'
export const OIDC_CLIENT_SECRET = 'oidc-client-secret-for-tests'

export interface MockIdp {
  issuer: string
  /** Claims the next ID tokens carry (on top of the mock's sub "johndoe", iss, aud, nonce…). */
  claims: Record<string, unknown>
}

/** A local OpenID Connect provider (oauth2-mock-server): discovery, JWKS, PKCE-checked code flow. */
export async function startIdp (t: TestContext, claims: Record<string, unknown>): Promise<MockIdp> {
  const server = new OAuth2Server()
  await server.issuer.keys.generate('RS256')
  await server.start(0, '127.0.0.1')
  t.teardown(async () => { await server.stop() })
  const idp: MockIdp = { issuer: server.issuer.url ?? '', claims }
  server.service.on('beforeTokenSigning', (token: { payload: Record<string, unknown> }) => { Object.assign(token.payload, idp.claims) })
  return idp
}

/**
 * Gateway settings for single sign-on through `idp` (plain http, hence OIDC_ALLOW_INSECURE), plus the allow rules of
 * a test. The gateway's PUBLIC_URL (the callback's origin) comes with the rules or from `listeningGateway`.
 */
export function oidcEnv (idp: MockIdp, rules: Record<string, string>): Record<string, string> {
  return { OIDC_ISSUER: idp.issuer, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET, OIDC_ALLOW_INSECURE: 'true', ...rules }
}

/** A gateway listening on loopback at its PUBLIC_URL (`base`). */
export async function listeningGateway (t: TestContext, env: Record<string, string>): Promise<{ app: FastifyInstance, base: string }> {
  const port = await freePort()
  const base = `http://127.0.0.1:${port}`
  const app = await build(t, { PUBLIC_URL: base, ...env })
  await app.listen({ host: '127.0.0.1', port })
  return { app, base }
}

/** The admin page's nonce in tests (the page makes a random one per sign-in). */
export const UI_NONCE = 'nonce-of-this-admin-tab-0123456789'

export interface SignInTampering {
  cookie?: (c: string) => string
  callback?: (u: URL) => void
  login?: RequestInit
  /** Sees the gateway's answer to the callback (its headers), without changing it. */
  landed?: (res: Response) => void
}

/** Walks the redirects a browser would follow (gateway → provider → gateway) and returns where it lands. */
export async function signIn (base: string, tamper: SignInTampering = {}): Promise<URL> {
  const login = await fetch(`${base}/api/admin/sso/login?nonce=${UI_NONCE}`, { redirect: 'manual', ...tamper.login })
  if (login.status !== 302) throw new Error(`login answered ${login.status}`)
  const cookie = (login.headers.getSetCookie()[0] ?? '').split(';')[0] ?? ''
  const authorize = await fetch(login.headers.get('location') ?? '', { redirect: 'manual' })
  const callback = new URL(authorize.headers.get('location') ?? '')
  tamper.callback?.(callback)
  const landed = await fetch(callback, { redirect: 'manual', headers: { cookie: tamper.cookie?.(cookie) ?? cookie } })
  if (landed.status !== 302) throw new Error(`callback answered ${landed.status}`)
  tamper.landed?.(landed)
  return new URL(landed.headers.get('location') ?? '', base)
}

/** What the admin page finds in the fragment it lands on. */
export function landing (url: URL): { token?: string, error?: string, nonce?: string } {
  const fragment = new URLSearchParams(url.hash.slice(1))
  const nonce = fragment.get('nonce') ?? undefined
  return { token: fragment.get('sso') ?? undefined, error: fragment.get('sso-error') ?? undefined, ...(nonce !== undefined ? { nonce } : {}) }
}

/** A loopback port free right now, so a gateway's PUBLIC_URL can be set before it listens there. */
export async function freePort (): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => { server.listen(0, '127.0.0.1', resolve) })
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => { server.close(() => { resolve() }) })
  return port
}
