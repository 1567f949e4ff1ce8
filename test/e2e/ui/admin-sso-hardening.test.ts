import { test } from 'tap'
import { sql } from 'kysely'
import { ADMIN_KEY, adminCall, bearer, tempDir } from '../../helpers/build.js'
import { runTs } from '../../helpers/run-ts.js'
import { ConfigError, loadConfig } from '#config.js'
import { UI_NONCE, landing, listeningGateway, oidcEnv, signIn, startIdp } from '../../helpers/idp.js'

const HTTPS_SSO = { OIDC_ISSUER: 'https://login.example.com', OIDC_CLIENT_ID: 'x', OIDC_ALLOWED_DOMAINS: 'example.com' }

test('an email whose email_verified claim is missing counts as not verified', async (t) => {
  const idp = await startIdp(t, { email: 'alice@example.com' })
  const { base } = await listeningGateway(t, oidcEnv(idp, { OIDC_ALLOWED_EMAILS: 'alice@example.com', OIDC_ALLOWED_DOMAINS: 'example.com' }))
  t.same(landing(await signIn(base)), { token: undefined, error: 'not-allowed', nonce: UI_NONCE })
  idp.claims = { email: 'alice@example.com', email_verified: 'true' }
  t.equal(landing(await signIn(base)).error, 'not-allowed', 'only the boolean true verifies')
  idp.claims = { email: 'alice@example.com', email_verified: true }
  t.ok(landing(await signIn(base)).token, 'a verified one signs in')
})

test('a plain http issuer is refused at start unless OIDC_ALLOW_INSECURE=true', async (t) => {
  const http = { ...HTTPS_SSO, OIDC_ISSUER: 'http://login.example.com', PUBLIC_URL: 'https://gw.example.com' }
  t.throws(() => loadConfig(http), new ConfigError('Invalid configuration:\n  OIDC_ISSUER must be https (set OIDC_ALLOW_INSECURE=true to allow http for local testing)'))
  t.doesNotThrow(() => loadConfig({ ...http, OIDC_ALLOW_INSECURE: 'true' }))
})

test('single sign-on needs OIDC_REDIRECT_URL or PUBLIC_URL: the callback never comes from the Host header', async (t) => {
  t.throws(() => loadConfig(HTTPS_SSO), /OIDC_ISSUER needs OIDC_REDIRECT_URL or PUBLIC_URL/)
  t.equal(loadConfig({ ...HTTPS_SSO, OIDC_REDIRECT_URL: 'https://gw.example.com/cb' }).OIDC_REDIRECT_URL, 'https://gw.example.com/cb')

  const idp = await startIdp(t, { email: 'alice@example.com', email_verified: true })
  const { app, base } = await listeningGateway(t, { ...oidcEnv(idp, { OIDC_ALLOWED_EMAILS: 'alice@example.com' }), TRUST_PROXY: 'true' })
  const login = await app.inject({
    url: `/api/admin/sso/login?nonce=${UI_NONCE}`,
    headers: { host: 'attacker.example', 'x-forwarded-host': 'attacker.example', 'x-forwarded-proto': 'https' }
  })
  t.equal(login.statusCode, 302)
  const authorize = new URL(login.headers.location as string)
  t.equal(authorize.searchParams.get('redirect_uri'), `${base}/api/admin/sso/callback`, 'the callback is PUBLIC_URL\'s, whatever Host says')
})

test('the server refuses to start (exit 78) with single sign-on on and no configured callback', async (t) => {
  const res = await runTs('server.ts', [], { ...HTTPS_SSO, DATA_DIR: tempDir(t) })
  t.equal(res.code, 78, 'EX_CONFIG')
  t.match(res.stderr, /OIDC_ISSUER needs OIDC_REDIRECT_URL or PUBLIC_URL/)
  t.equal(res.stdout, '', 'nothing was started')
})

test('the token comes back with the admin page\'s nonce; a sign-in started without one is refused', async (t) => {
  const idp = await startIdp(t, { email: 'alice@example.com', email_verified: true })
  const { base } = await listeningGateway(t, oidcEnv(idp, { OIDC_ALLOWED_EMAILS: 'alice@example.com' }))
  const landed = landing(await signIn(base))
  t.equal(landed.nonce, UI_NONCE, 'echoed next to the token, for the page to compare with the one it keeps')
  for (const query of ['', '?nonce=short', `?nonce=${'x'.repeat(200)}`]) {
    const res = await fetch(`${base}/api/admin/sso/login${query}`, { redirect: 'manual' })
    t.equal(res.status, 400, query)
    t.match(await res.json(), { error: 'Bad Request', message: /nonce/ })
  }
})

test('failed sign-ins are in the audit log, with bounded and sanitized details', async (t) => {
  const idp = await startIdp(t, { email: 'mallory@example.com', email_verified: true })
  const { app, base } = await listeningGateway(t, oidcEnv(idp, { OIDC_ALLOWED_EMAILS: 'alice@example.com' }))
  const hostile = `access_denied\u001b[31m\r\nforged line ${'x'.repeat(1000)}`
  t.equal(landing(await signIn(base)).error, 'not-allowed', 'not allowed')
  idp.claims = { email: 'alice@example.com' }
  t.equal(landing(await signIn(base)).error, 'not-allowed', 'unverified')
  t.equal(landing(await signIn(base, { callback: (u) => { u.searchParams.set('state', 'not-the-one-we-sent') } })).error, 'failed', 'bad state')
  t.equal(landing(await signIn(base, { cookie: () => '' })).error, 'expired', 'no login cookie')
  t.equal(landing(await signIn(base, { callback: (u) => { u.searchParams.delete('code'); u.searchParams.set('error', hostile) } })).error, 'denied', 'provider error')

  const { items } = (await adminCall(app, { url: '/api/admin/audit?action=admin.sso_failed' })).json() as { items: Array<{ actor: string, details: { reason: string, detail: string } }> }
  t.same(items.map((e) => e.details.reason), ['denied', 'expired', 'failed', 'not-allowed', 'not-allowed'])
  t.ok(items.every((e) => e.actor === 'anonymous'), 'no one was signed in')
  t.match(items[4]?.details.detail, /mallory@example\.com/)
  t.match(items[3]?.details.detail, /alice@example\.com, verified unknown/)
  t.match(items[2]?.details.detail, /code exchange or ID token validation failed/)
  for (const { details } of items) {
    t.ok(details.detail.length <= 200, 'bounded')
    t.notMatch(details.detail, /[\u0000-\u001f\u007f]/, 'no control characters')
  }
  t.equal((await adminCall(app, { url: '/api/admin/sessions' })).json().items.length, 0, 'and no session')
})

test('a sign-in whose audit line cannot be written makes no session', async (t) => {
  const idp = await startIdp(t, { email: 'alice@example.com', email_verified: true })
  const { app, base } = await listeningGateway(t, oidcEnv(idp, { OIDC_ALLOWED_EMAILS: 'alice@example.com' }))
  await sql`drop table audit_log`.execute(app.store.db)
  t.same(landing(await signIn(base)), { token: undefined, error: 'failed', nonce: UI_NONCE })
  t.same(await app.adminSessions.list(), [], 'no live session was left behind')
  t.equal((await app.inject({ url: '/api/admin/sessions', headers: bearer(ADMIN_KEY) })).statusCode, 200)
})
