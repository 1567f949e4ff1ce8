import { test } from 'tap'
import { ADMIN_KEY, adminCall, bearer, build, UNAUTHORIZED } from '../../helpers/build.js'
import { approve, collect, openSession, SESSION_PATH } from '../../helpers/connect.js'

test('aigne hub connect, server side: open, pending, approve, collect the key, use it, delete', async (t) => {
  const app = await build(t, { CONNECT_KEY_CREDIT_LIMIT: '25', CONNECT_KEY_RPM: '30' })
  const sid = await openSession(app)
  t.match(sid, /^[A-Za-z0-9_-]{32}$/)

  const pending = await app.inject({ url: `${SESSION_PATH}?sid=${sid}`, headers: { 'x-request-count': '0' } })
  t.equal(pending.statusCode, 200)
  t.match(pending.json(), { id: sid, status: 'pending' })
  t.notOk('accessKeyId' in pending.json(), 'nothing to collect before approval')
  t.equal(pending.headers['cache-control'], 'no-store')

  const seen = await adminCall(app, { url: `/api/admin/connect-sessions?sid=${sid}` })
  t.match(seen.json(), { status: 'pending', keyId: null, defaults: { scopes: ['chat', 'embeddings', 'images'], models: ['*'], creditLimit: 25, creditPeriod: 'month', rpm: 30 } }, 'the defaults come from CONNECT_KEY_*')

  const approved = await approve(app, sid, { name: 'AIGNE CLI', scopes: ['chat'], creditLimit: 5, creditPeriod: 'total' })
  t.equal(approved.statusCode, 201)
  t.match(approved.json(), { name: 'AIGNE CLI', scopes: ['chat'], models: ['*'], creditLimit: 5, rpm: 30, createdBy: 'access-key:bootstrap-admin', status: 'active' })
  t.notOk('key' in approved.json(), 'the admin never sees the secret')

  const { keyId, secret } = await collect(app, sid)
  t.equal(keyId, approved.json<{ id: string }>().id)
  t.match(secret, /^hgk_/)
  t.same((await collect(app, sid)).secret, secret, 'the CLI polls again before deleting: same key')

  const info = await app.inject({ url: '/api/user/info', headers: bearer(secret) })
  t.equal(info.statusCode, 200)
  t.same(info.json(), {
    user: { fullName: 'AIGNE CLI', did: keyId, email: null },
    creditBalance: { balance: '5', total: '5' },
    paymentLink: null,
    profileLink: null,
    enableCredit: true
  })

  const deleted = await app.inject({ method: 'DELETE', url: `${SESSION_PATH}?sid=${sid}` })
  t.same(deleted.json(), { deleted: true })
  t.same((await app.inject({ method: 'DELETE', url: `${SESSION_PATH}?sid=${sid}` })).json(), { deleted: false }, 'deleting twice is harmless')
  const gone = await app.inject({ url: `${SESSION_PATH}?sid=${sid}` })
  t.equal(gone.statusCode, 404)
  t.match(gone.json(), { error: 'Not Found', message: /does not exist or has expired/ })

  const audit = await adminCall(app, { url: `/api/admin/audit?targetId=${keyId}` })
  t.match(audit.json(), { items: [{ actor: 'access-key:bootstrap-admin', action: 'access_key.created', details: { via: 'aigne hub connect', approvedBy: 'access-key:bootstrap-admin', name: 'AIGNE CLI', scopes: ['chat'] } }] }, 'audited as created by connect, approved by that admin')
})

test('a session grants one key once: a second approval, or one after a denial, is refused and creates nothing', async (t) => {
  const app = await build(t)
  const keyCount = async () => (await adminCall(app, { url: '/api/admin/access-keys' })).json<{ total: number }>().total
  const before = await keyCount()
  const sid = await openSession(app)
  t.equal((await approve(app, sid)).statusCode, 201)
  const again = await approve(app, sid, { name: 'second' })
  t.equal(again.statusCode, 409)
  t.match(again.json(), { error: 'Conflict', message: /already approved/ })
  t.equal(await keyCount(), before + 1)

  const denied = await openSession(app)
  const deny = await adminCall(app, { method: 'POST', url: `/api/admin/connect-sessions/deny?sid=${denied}` })
  t.same(deny.json(), { status: 'denied' })
  const poll = await app.inject({ url: `${SESSION_PATH}?sid=${denied}` })
  t.equal(poll.statusCode, 403, 'the CLI stops polling: its fetch fails on a non-2xx')
  t.same(poll.json(), { error: 'Forbidden', message: 'An administrator denied this connection request.' })
  t.equal((await approve(app, denied)).statusCode, 409)
  t.equal(await keyCount(), before + 1)
  const audit = await adminCall(app, { url: '/api/admin/audit?action=connect_session.denied' })
  t.match(audit.json(), { items: [{ actor: 'access-key:bootstrap-admin' }] })

  // two admins approving at the same moment: one key
  const raced = await openSession(app)
  const answers = await Promise.all([approve(app, raced, { name: 'a' }), approve(app, raced, { name: 'b' })])
  t.same(answers.map((r) => r.statusCode).sort(), [201, 409])
  t.equal(await keyCount(), before + 2)
})

test('a connected key cannot get the admin scope; bad input is a 400; admin routes need an admin', async (t) => {
  const app = await build(t)
  const sid = await openSession(app)
  const admin = await approve(app, sid, { name: 'sneaky', scopes: ['chat', 'admin'] })
  t.equal(admin.statusCode, 400)
  t.match(admin.json(), { error: 'Bad Request', message: /cannot have the admin scope/ })
  t.match((await adminCall(app, { url: `/api/admin/connect-sessions?sid=${sid}` })).json(), { status: 'pending' }, 'still pending: the refusal changed nothing')
  t.equal((await approve(app, sid, { name: '' })).statusCode, 400)
  t.equal((await approve(app, sid, { name: 'x'.repeat(201) })).statusCode, 400)

  for (const bad of ['', 'short', 'x'.repeat(33), '../../etc/passwd00000000000000000', '%00'.repeat(11)]) {
    const res = await app.inject({ url: `${SESSION_PATH}?sid=${encodeURIComponent(bad)}` })
    t.equal(res.statusCode, 400, `sid ${JSON.stringify(bad.slice(0, 12))} refused`)
    t.same(Object.keys(res.json()).sort(), ['error', 'message'])
  }
  t.equal((await app.inject({ url: SESSION_PATH })).statusCode, 400, 'no sid')
  t.equal((await app.inject({ url: `${SESSION_PATH}?sid=${'A'.repeat(32)}` })).statusCode, 404, 'an unknown session')
  t.equal((await adminCall(app, { url: `/api/admin/connect-sessions?sid=${'A'.repeat(32)}` })).statusCode, 404)

  const anonymous = await app.inject({ method: 'POST', url: `/api/admin/connect-sessions/approve?sid=${sid}`, payload: { name: 'x' } })
  t.equal(anonymous.statusCode, 401)
  t.same(anonymous.json(), UNAUTHORIZED)
  const user = await adminCall(app, { method: 'POST', url: '/api/admin/access-keys', payload: { name: 'user', scopes: ['chat'] } })
  const asUser = await app.inject({ method: 'POST', url: `/api/admin/connect-sessions/approve?sid=${sid}`, headers: bearer(user.json<{ key: string }>().key), payload: { name: 'x' } })
  t.equal(asUser.statusCode, 401, 'a non-admin key cannot approve')
})

test('sessions expire after 10 minutes: no poll, no approval', async (t) => {
  const app = await build(t)
  const sid = await openSession(app)
  const approvedSid = await openSession(app)
  t.equal((await approve(app, approvedSid)).statusCode, 201)
  const expiresAt = (await adminCall(app, { url: `/api/admin/connect-sessions?sid=${sid}` })).json<{ expiresAt: string }>().expiresAt
  const minutes = (Date.parse(expiresAt) - Date.now()) / 60_000
  t.ok(minutes > 9 && minutes <= 10, 'expires in 10 minutes')
  await app.store.db.updateTable('connect_sessions').set({ expires_at: new Date(Date.now() - 1000).toISOString() }).execute()
  t.equal((await app.inject({ url: `${SESSION_PATH}?sid=${sid}` })).statusCode, 404)
  t.equal((await app.inject({ url: `${SESSION_PATH}?sid=${approvedSid}` })).statusCode, 404, 'an uncollected key cannot be collected late')
  t.equal((await approve(app, sid)).statusCode, 404)
  await openSession(app)
  const rows = await app.store.db.selectFrom('connect_sessions').select('id_hash').execute()
  t.equal(rows.length, 1, 'opening a session purges the expired ones')
})

test('the approval page address redirects to the admin UI with the CLI\'s query', async (t) => {
  const app = await build(t)
  const query = '__token__=QUJD&source=%40aigne%2Fcli&closeOnSuccess=true&cli=true&appName=%20AIGNE%20CLI&appLogo=https%3A%2F%2Fwww.aigne.io%2Ffavicon.ico'
  const res = await app.inject({ url: `/.well-known/service/gen-simple-access-key?${query}` })
  t.equal(res.statusCode, 302)
  t.equal(res.headers.location, `/admin/connect?${query}`)
})

test('/api/user/info: a key without a credit limit, configured links, and no key at all', async (t) => {
  const app = await build(t, { USER_PAYMENT_LINK: 'https://pay.example/credits', USER_PROFILE_LINK: 'https://pay.example/me' })
  const issued = await adminCall(app, { method: 'POST', url: '/api/admin/access-keys', payload: { name: 'unlimited', scopes: ['chat'] } })
  const { id, key } = issued.json<{ id: string, key: string }>()
  const info = await app.inject({ url: '/api/user/info', headers: bearer(key) })
  t.same(info.json(), { user: { fullName: 'unlimited', did: id, email: null }, creditBalance: null, paymentLink: 'https://pay.example/credits', profileLink: 'https://pay.example/me', enableCredit: false })
  const anonymous = await app.inject({ url: '/api/user/info' })
  t.equal(anonymous.statusCode, 401)
  t.same(anonymous.json(), UNAUTHORIZED)
  t.equal((await app.inject({ url: '/api/user/info', headers: bearer(ADMIN_KEY) })).statusCode, 200, 'any valid key may ask about itself')
})
