import { OAuth2Server } from 'oauth2-mock-server'
import type { TestContext } from '../helpers/build.js'

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

/** Gateway settings for single sign-on through `idp`, plus the allow rules of a test. */
export function oidcEnv (idp: MockIdp, rules: Record<string, string>): Record<string, string> {
  return { OIDC_ISSUER: idp.issuer, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET, ...rules }
}
