import { join } from 'node:path'
import { test } from 'tap'
import { ADMIN_KEY, UNAUTHORIZED, bearer, build, tempDir, type TestContext } from '../../helpers/build.js'
import { ConfigError, loadConfig } from '#config.js'
import { needs, postgresEnv, serviceUrl } from '../../helpers/services.js'
import { UI_NONCE, landing, listeningGateway as listening, oidcEnv, signIn, startIdp, type MockIdp } from '../../helpers/idp.js'

const ALICE = { email: 'alice@example.com', email_verified: true, name: 'Alice Admin' }

async function idpAndGateway (t: TestContext, claims: Record<string, unknown>, rules: Record<string, string>): Promise<{ idp: MockIdp, base: string }> {
  const idp = await startIdp(t, claims)
  const { base } = await listening(t, oidcEnv(idp, rules))
  return { idp, base }
}

test('an allowed email signs in through the provider and gets a short-lived admin session', async (t) => {
  const { base } = await idpAndGateway(t, ALICE, { OIDC_ALLOWED_EMAILS: 'Alice@Example.com, bob@example.com' })
  const landed = await signIn(base)
  t.equal(landed.pathname, '/admin/')
  const { token } = landing(landed)
  t.match(token, /^hgs_[\w-]+\.[\w-]+\.[\w-]+$/, 'the session token comes back in the fragment')
  const keys = await fetch(`${base}/api/admin/access-keys`, { headers: bearer(token ?? '') })
  t.equal(keys.status, 200, 'the session works on the admin API')
  const audit = await fetch(`${base}/api/admin/audit?action=admin.sso_signed_in`, { headers: bearer(ADMIN_KEY) })
  t.match(await audit.json(), { items: [{ actor: 'sso:alice@example.com', details: { email: 'alice@example.com' } }] })
  const chat = await fetch(`${base}/api/v2/chat/completions`, {
    method: 'POST', headers: { ...bearer(token ?? ''), 'content-type': 'application/json' }, body: JSON.stringify({ model: 'openai/gpt-4o', messages: [] })
  })
  t.equal(chat.status, 401, 'an admin session carries the admin scope only')
})

test('allowed domains and groups admit too', async (t) => {
  const byDomain = await idpAndGateway(t, { email: 'carol@corp.example', email_verified: true }, { OIDC_ALLOWED_DOMAINS: 'corp.example' })
  t.ok(landing(await signIn(byDomain.base)).token, 'domain')
  const byGroup = await idpAndGateway(t, { email: 'dave@elsewhere.example', groups: ['staff', 'hub-admins'] }, { OIDC_ALLOWED_GROUPS: 'hub-admins' })
  t.ok(landing(await signIn(byGroup.base)).token, 'group')
})

test('anyone else is turned away with a reason the page can show, and no session', async (t) => {
  const { idp, base } = await idpAndGateway(t, { email: 'mallory@example.com', email_verified: true }, { OIDC_ALLOWED_EMAILS: 'alice@example.com', OIDC_ALLOWED_DOMAINS: 'corp.example' })
  t.same(landing(await signIn(base)), { token: undefined, error: 'not-allowed', nonce: UI_NONCE })
  idp.claims = { email: 'eve@corp.example', email_verified: false }
  t.same(landing(await signIn(base)), { token: undefined, error: 'not-allowed', nonce: UI_NONCE }, 'an unverified email proves nothing')
  idp.claims = { groups: ['hub-admins'] }
  t.same(landing(await signIn(base)), { token: undefined, error: 'not-allowed', nonce: UI_NONCE }, 'groups admit only when OIDC_ALLOWED_GROUPS lists them')
})

test('a callback without its login cookie, with a forged one, or with another state is refused', async (t) => {
  const { base } = await idpAndGateway(t, ALICE, { OIDC_ALLOWED_EMAILS: 'alice@example.com' })
  t.equal(landing(await signIn(base, { cookie: () => '' })).error, 'expired')
  t.equal(landing(await signIn(base, { cookie: (c) => c.replace(/.$/, (ch) => ch === 'A' ? 'B' : 'A') })).error, 'expired', 'signature checked')
  t.equal(landing(await signIn(base, { callback: (u) => { u.searchParams.set('state', 'not-the-one-we-sent') } })).error, 'failed')
  t.equal(landing(await signIn(base, { callback: (u) => { u.searchParams.delete('code'); u.searchParams.set('error', 'access_denied') } })).error, 'denied')
})

test('forged or foreign session tokens get the standard 401', async (t) => {
  const { base } = await idpAndGateway(t, ALICE, { OIDC_ALLOWED_EMAILS: 'alice@example.com' })
  const token = landing(await signIn(base)).token ?? ''
  const [header, payload, signature] = token.slice(4).split('.')
  const elevated = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()), scope: 'chat' })).toString('base64url')
  const other = await build(t, { SERVER_SECRET: 'another-server-secret-0123456789abcdefghij' })
  const foreign = (await other.adminSessions.issue({ subject: 'x', email: 'alice@example.com' })).token
  for (const bad of [`hgs_${header ?? ''}.${elevated}.${signature ?? ''}`, foreign, 'hgs_nope']) {
    const res = await fetch(`${base}/api/admin/access-keys`, { headers: bearer(bad) })
    t.equal(res.status, 401)
    t.same(await res.json(), UNAUTHORIZED)
  }
})

test('signing out ends the session at once, on every gateway sharing the store; other sessions go on', async (t) => {
  const idp = await startIdp(t, ALICE)
  // two replicas: one database, one server secret, each its own DATA_DIR
  const shared = { ...oidcEnv(idp, { OIDC_ALLOWED_EMAILS: 'alice@example.com' }), DATABASE_URL: join(tempDir(t), 'shared.db'), SERVER_SECRET: 'a-server-secret-shared-by-both-0123456789' }
  const one = await listening(t, shared)
  const two = await listening(t, shared)
  const token = landing(await signIn(one.base)).token ?? ''
  const other = landing(await signIn(one.base)).token ?? ''
  const keys = async (base: string, session: string): Promise<number> => (await fetch(`${base}/api/admin/access-keys`, { headers: bearer(session) })).status
  t.same([await keys(one.base, token), await keys(two.base, token)], [200, 200], 'a session works on both replicas')

  const out = await fetch(`${two.base}/api/admin/sso/logout`, { method: 'POST', headers: bearer(token) })
  t.equal(out.status, 204)
  for (const base of [one.base, two.base]) {
    const res = await fetch(`${base}/api/admin/access-keys`, { headers: bearer(token) })
    t.equal(res.status, 401, 'refused everywhere once signed out')
    t.same(await res.json(), UNAUTHORIZED)
  }
  t.equal(await keys(one.base, other), 200, 'the same person\'s other session is not affected')
  const audit = await (await fetch(`${one.base}/api/admin/audit?action=admin.sso_signed_out`, { headers: bearer(ADMIN_KEY) })).json()
  t.match(audit, { items: [{ actor: 'sso:alice@example.com', targetType: 'admin_session' }] })
  t.equal((await fetch(`${one.base}/api/admin/sso/logout`, { method: 'POST', headers: bearer(ADMIN_KEY) })).status, 204, 'an admin key has no session to end')
  t.equal(await keys(one.base, ADMIN_KEY), 200, 'and keeps working')
})

test('an admin lists live sessions and ends one, or all of them', async (t) => {
  const { base } = await idpAndGateway(t, ALICE, { OIDC_ALLOWED_EMAILS: 'alice@example.com' })
  const first = landing(await signIn(base)).token ?? ''
  const second = landing(await signIn(base)).token ?? ''
  const call = async (method: string, path: string, key: string): Promise<Response> => await fetch(`${base}/api/admin/sessions${path}`, { method, headers: bearer(key) })

  const listed = await (await call('GET', '', second)).json() as { items: Array<{ id: string, email: string, name: string, current: boolean, issuedAt: string, expiresAt: string }> }
  t.equal(listed.items.length, 2, 'both sessions are live')
  t.same(listed.items.map((s) => s.current).sort(), [false, true], 'the caller\'s own is marked')
  t.match(listed.items.find((s) => s.current), { email: 'alice@example.com', name: 'Alice Admin' })
  const [newer, older] = listed.items
  t.ok((newer?.issuedAt ?? '') >= (older?.issuedAt ?? ''), 'newest first')
  t.ok(Date.parse(newer?.expiresAt ?? '') > Date.now(), 'with their expiry')
  const firstId = listed.items.find((s) => !s.current)?.id ?? ''

  const ended = await call('DELETE', `/${firstId}`, ADMIN_KEY)
  t.equal(ended.status, 200)
  t.same(await ended.json(), { id: firstId, keys: [], keysRevoked: false }, 'it issued no access key')
  t.equal((await call('GET', '', first)).status, 401, 'the ended session is refused')
  t.equal((await call('GET', '', second)).status, 200, 'the other goes on')
  const again = await call('DELETE', `/${firstId}`, ADMIN_KEY)
  t.equal(again.status, 404, 'an ended session cannot be ended twice')
  t.match(await again.json(), { error: 'Not Found', message: /no live admin session/ })

  const all = await call('DELETE', '', ADMIN_KEY)
  t.same(await all.json(), { revoked: 1, keys: [], keysRevoked: false })
  t.equal((await call('GET', '', second)).status, 401, 'every session ended')
  t.same((await (await call('GET', '', ADMIN_KEY)).json()).items, [], 'none left live; admin keys are not sessions')
  const audit = await (await fetch(`${base}/api/admin/audit?targetId=${firstId}`, { headers: bearer(ADMIN_KEY) })).json()
  t.match(audit, { items: [{ action: 'admin.session_revoked' }, { action: 'admin.sso_signed_in' }] })
  t.equal((await call('GET', '', 'hgk_not-an-admin-key-at-all-0123456789abcdef')).status, 401, 'the list needs the admin scope')
})

test('without OIDC settings there is no single sign-on', async (t) => {
  const { base } = await listening(t, {})
  t.same(await (await fetch(`${base}/api/admin/sso/config`)).json(), { enabled: false })
  t.equal((await fetch(`${base}/api/admin/sso/login?nonce=${UI_NONCE}`, { redirect: 'manual' })).status, 404)
})

test('OIDC settings that would let any account in are refused at start', async (t) => {
  t.throws(() => loadConfig({ OIDC_ISSUER: 'https://login.example.com', OIDC_CLIENT_ID: 'x' }), ConfigError)
  t.throws(() => loadConfig({ OIDC_ISSUER: 'https://login.example.com', OIDC_ALLOWED_DOMAINS: 'example.com' }), /OIDC_CLIENT_ID/)
  t.doesNotThrow(() => loadConfig({ OIDC_ISSUER: 'https://login.example.com', OIDC_CLIENT_ID: 'x', OIDC_ALLOWED_DOMAINS: 'example.com', PUBLIC_URL: 'https://gw.example.com' }))
})

test('an identity whose claims hold NUL is stored with U+FFFD, on Postgres too', needs('TEST_DATABASE_URL', 'Postgres'), async (t) => {
  const app = await build(t, postgresEnv(t, serviceUrl('TEST_DATABASE_URL')))
  const { token } = await app.adminSessions.issue({ subject: 'https://idp.example a\u0000b', email: 'a\u0000@example.com', name: 'Ali\u0000ce' })
  const [session] = await app.adminSessions.list()
  t.match(session, { subject: 'https://idp.example a\ufffdb', email: 'a\ufffd@example.com', name: 'Ali\ufffdce' })
  t.equal((await app.inject({ url: '/api/admin/sessions', headers: bearer(token) })).statusCode, 200, 'the session works')
})
