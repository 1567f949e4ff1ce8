import { test, type Test } from 'tap'
import type { FastifyInstance } from 'fastify'
import { adminCall, bearer, build, issueKey } from '../../helpers/build.js'
import { needs, postgresEnv, serviceUrl } from '../../helpers/services.js'

const KEYS = '/api/admin/access-keys'

interface Session { token: string, id: string }

async function signedIn (app: FastifyInstance, email: string): Promise<Session> {
  const { token, principal } = await app.adminSessions.issue({ subject: `https://idp.example ${email}`, email })
  return { token, id: principal.sessionId ?? '' }
}

async function issueAs (app: FastifyInstance, session: Session, name: string): Promise<{ id: string, key: string, createdBy: string, createdBySession: string }> {
  const res = await app.inject({ method: 'POST', url: KEYS, headers: bearer(session.token), payload: { name } })
  if (res.statusCode !== 201) throw new Error(`issuing answered ${res.statusCode}`)
  return res.json()
}

async function works (app: FastifyInstance, secret: string): Promise<boolean> {
  return await app.accessKeys.authenticate(secret) !== undefined
}

async function suite (t: Test, app: FastifyInstance): Promise<void> {
  const alice = await signedIn(app, 'alice@example.com')
  const bob = await signedIn(app, 'bob@example.com')
  const a1 = await issueAs(app, alice, 'alice one')
  const a2 = await issueAs(app, alice, 'alice two')
  const b1 = await issueAs(app, bob, 'bob one')
  const byKey = await issueKey(app, { name: 'by the admin key' })

  t.match(a1, { createdBy: 'sso:alice@example.com', createdBySession: alice.id }, 'a key records the identity and session that issued it')
  t.match(byKey, { createdBy: 'access-key:bootstrap-admin', createdBySession: null })
  t.match((await adminCall(app, { url: `${KEYS}/${a1.id}` })).json(), { createdBy: 'sso:alice@example.com', createdBySession: alice.id }, 'also when read back')
  const listed = (await adminCall(app, { url: '/api/admin/sessions' })).json().items as Array<{ id: string, createdKeys: number }>
  t.same(Object.fromEntries(listed.map((s) => [s.id, s.createdKeys])), { [alice.id]: 2, [bob.id]: 1 }, 'each session says how many live keys it issued')

  const offered = await adminCall(app, { method: 'DELETE', url: `/api/admin/sessions/${alice.id}` })
  t.equal(offered.statusCode, 200)
  t.match(offered.json(), { id: alice.id, keysRevoked: false })
  t.same(offered.json().keys.map((k: { id: string }) => k.id).sort(), [a1.id, a2.id].sort(), 'ending a session lists the keys it issued')
  t.ok(await works(app, a1.key) && await works(app, a2.key), 'without revokeKeys they keep working')
  t.equal((await app.inject({ url: KEYS, headers: bearer(alice.token) })).statusCode, 401, 'the session itself is ended')

  const revoked = await adminCall(app, { method: 'DELETE', url: `/api/admin/sessions/${bob.id}?revokeKeys=true` })
  t.equal(revoked.statusCode, 200)
  t.match(revoked.json(), { id: bob.id, keysRevoked: true, keys: [{ id: b1.id, status: 'revoked' }] })
  t.notOk(await works(app, b1.key), 'revokeKeys=true revokes them in the same call')
  t.ok(await works(app, byKey.key), 'keys issued otherwise are untouched')
  const [line] = (await adminCall(app, { url: `/api/admin/audit?action=admin.session_revoked&targetId=${bob.id}` })).json().items
  t.match(line, { details: { revoked: 1, keys: [b1.id], keysRevoked: true } }, 'the audit line names the revoked keys')

  const carol = await signedIn(app, 'carol@example.com')
  const c1 = await issueAs(app, carol, 'carol one')
  const all = await adminCall(app, { method: 'DELETE', url: '/api/admin/sessions?revokeKeys=true' })
  t.match(all.json(), { revoked: 1, keysRevoked: true, keys: [{ id: c1.id, status: 'revoked' }] })
  t.notOk(await works(app, c1.key), 'ending every session can revoke their keys too')
  t.ok(await works(app, a1.key), 'keys of sessions ended earlier stay as they were left')
  t.equal((await adminCall(app, { method: 'DELETE', url: '/api/admin/sessions?revokeKeys=maybe' })).statusCode, 400)
}

test('keys issued in an SSO session are recorded with it, and ending the session offers to revoke them (SQLite)', async (t) => {
  await suite(t, await build(t))
})

test('keys issued in an SSO session are recorded with it, and ending the session offers to revoke them (Postgres)', needs('TEST_DATABASE_URL', 'Postgres'), async (t) => {
  await suite(t, await build(t, postgresEnv(t, serviceUrl('TEST_DATABASE_URL'))))
})
