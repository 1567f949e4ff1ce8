import { test, type Test } from 'tap'
import type { FastifyInstance } from 'fastify'
import { ADMIN_KEY, UNAUTHORIZED, adminCall, build, issueKey } from '../../helpers/build.js'
import { needs, postgresEnv, serviceUrl } from '../../helpers/services.js'

const URL = '/api/admin/access-keys'
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/

test('creating a key returns its secret once, with every field', async (t) => {
  const app = await build(t)
  const res = await adminCall(app, {
    method: 'POST', url: URL,
    payload: { name: 'ci', scopes: ['chat', 'embeddings'], models: ['openai/*'], expiresAt: '2099-01-01T01:00:00+01:00' }
  })
  t.equal(res.statusCode, 201)
  const body = res.json()
  t.match(body.key, /^hgk_[A-Za-z0-9_-]{43}$/, 'hgk_ prefix plus 256 random bits')
  t.match(body, {
    id: String, name: 'ci', prefix: body.key.slice(0, 12), scopes: ['chat', 'embeddings'], models: ['openai/*'],
    expiresAt: '2099-01-01T00:00:00.000Z', revokedAt: null, createdAt: ISO, lastUsedAt: null, status: 'active'
  })
  t.notOk('hash' in body, 'no hash in the response')

  const again = await adminCall(app, { url: `${URL}/${String(body.id)}` })
  t.notOk('key' in again.json(), 'the secret is never shown again')
})

test('a key without scopes or models gets the defaults: no admin, every model', async (t) => {
  const app = await build(t)
  const key = await issueKey(app, { name: 'plain' })
  t.same(key.scopes, ['chat', 'embeddings', 'images'])
  t.same(key.models, ['*'])
  t.equal(key.expiresAt, null)
})

test('bad create bodies get a 400 naming the field', async (t) => {
  const app = await build(t)
  const cases: Array<[unknown, RegExp]> = [
    [{}, /'name'/],
    [{ name: '' }, /^body\/name /],
    [{ name: 'x', scopes: ['root'] }, /^body\/scopes\/0 must be one of: chat, embeddings, images, video, audio, admin$/],
    [{ name: 'x', scopes: [] }, /^body\/scopes /],
    [{ name: 'x', scopes: ['chat', 'chat'] }, /^body\/scopes /],
    [{ name: 'x', models: ['has space'] }, /^body\/models\/0 /],
    [{ name: 'x', expiresAt: 'tomorrow' }, /^body\/expiresAt /],
    [{ name: 'x', expiresAt: '2000-01-01T00:00:00Z' }, /^expiresAt must be in the future$/],
    [{ name: 'x', scope: ['admin'] }, /^body\/scope is not a known field$/]
  ]
  for (const [payload, message] of cases) {
    const res = await adminCall(app, { method: 'POST', url: URL, payload: payload as Record<string, unknown> })
    t.equal(res.statusCode, 400, JSON.stringify(payload))
    t.equal(res.json().error, 'Bad Request')
    t.match(res.json().message, message)
  }
  const list = await adminCall(app, { url: URL })
  t.equal(list.json().total, 1, 'nothing was created (only the bootstrap admin key exists)')
})

test('the list shows every key newest first, paged, and never a secret', async (t) => {
  const app = await build(t)
  const a = await issueKey(app, { name: 'a' })
  const b = await issueKey(app, { name: 'b' })
  const res = await adminCall(app, { url: URL })
  t.equal(res.statusCode, 200)
  const { items, total } = res.json()
  t.equal(total, 3)
  t.same(items.map((k: { name: string }) => k.name), ['b', 'a', 'Bootstrap admin (ADMIN_KEY)'])
  for (const secret of [a.key, b.key, ADMIN_KEY]) t.notOk(res.body.includes(secret), 'no secret in the list')
  t.notOk(res.body.includes('"hash"'), 'no hashes either')

  const page = await adminCall(app, { url: `${URL}?limit=1&offset=1` })
  t.same(page.json().items.map((k: { id: string }) => k.id), [a.id])
  t.equal(page.json().total, 3)
  t.equal((await adminCall(app, { url: `${URL}?limit=0` })).statusCode, 400)
  t.match((await adminCall(app, { url: `${URL}?limit=abc` })).json().message, /^querystring\/limit /)
})

async function assertSearch (t: Test, app: FastifyInstance): Promise<void> {
  const billing = await issueKey(app, { name: 'Billing API' })
  const batch = await issueKey(app, { name: 'batch_100%' })
  await issueKey(app, { name: 'batch 1000' })
  const search = async (text: string): Promise<{ names: string[], total: number }> => {
    const res = await adminCall(app, { url: `${URL}?search=${encodeURIComponent(text)}&limit=1` })
    t.equal(res.statusCode, 200)
    const body = res.json<{ items: Array<{ name: string }>, total: number }>()
    return { names: body.items.map((k) => k.name), total: body.total }
  }
  t.same(await search('billing'), { names: ['Billing API'], total: 1 }, 'a part of the name, in any case')
  t.same(await search('_100%'), { names: ['batch_100%'], total: 1 }, 'LIKE wildcards are literal')
  t.same((await search('batch')).total, 2, 'the total counts every match, not the page')
  t.same(await search(billing.key.slice(0, 10)), { names: ['Billing API'], total: 1 }, 'the start of the secret (the prefix lists show)')
  t.same(await search(batch.id), { names: ['batch_100%'], total: 1 }, 'an id')
  t.same(await search('nothing like it'), { names: [], total: 0 })
  t.equal((await adminCall(app, { url: `${URL}?search=` })).statusCode, 400, 'an empty search is refused')
}

test('the list can be searched by name, secret prefix or id (SQLite)', async (t) => {
  await assertSearch(t, await build(t))
})

test('the list can be searched by name, secret prefix or id (Postgres)', needs('TEST_DATABASE_URL', 'Postgres'), async (t) => {
  await assertSearch(t, await build(t, postgresEnv(t, serviceUrl('TEST_DATABASE_URL'))))
})

test('one key can be read, renamed, re-scoped and given an expiry', async (t) => {
  const app = await build(t)
  const key = await issueKey(app, { name: 'before' })
  const res = await adminCall(app, {
    method: 'PATCH', url: `${URL}/${key.id}`,
    payload: { name: 'after', scopes: ['images'], models: ['gemini/*'], expiresAt: '2099-06-01T00:00:00Z' }
  })
  t.equal(res.statusCode, 200)
  t.match(res.json(), { id: key.id, name: 'after', scopes: ['images'], models: ['gemini/*'], expiresAt: '2099-06-01T00:00:00.000Z', status: 'active' })
  t.same((await adminCall(app, { url: `${URL}/${key.id}` })).json(), res.json(), 'GET shows the change')

  const cleared = await adminCall(app, { method: 'PATCH', url: `${URL}/${key.id}`, payload: { expiresAt: null } })
  t.equal(cleared.json().expiresAt, null, 'null removes the expiry')

  const past = await adminCall(app, { method: 'PATCH', url: `${URL}/${key.id}`, payload: { expiresAt: '2001-01-01T00:00:00Z' } })
  t.equal(past.json().status, 'expired', 'a past expiry shows as expired')

  t.match((await adminCall(app, { method: 'PATCH', url: `${URL}/${key.id}`, payload: {} })).json(), { error: 'Bad Request' })
  t.match((await adminCall(app, { method: 'PATCH', url: `${URL}/${key.id}`, payload: { id: 'x' } })).json().message, /^body\/id is not a known field$/)
})

test('limits: null is unlimited and 0 a budget of nothing, neither coerced into the other', async (t) => {
  const app = await build(t)
  const created = await issueKey(app, { creditLimit: null, rpm: null, tpm: null })
  t.match(created, { creditLimit: null, rpm: null, tpm: null }, 'created without limits')
  const key = await issueKey(app, { creditLimit: 0, creditPeriod: 'day', rpm: 60, tpm: 1000 })
  t.match(key, { creditLimit: 0, creditPeriod: 'day', rpm: 60, tpm: 1000 }, 'a zero budget stays zero')
  const cleared = await adminCall(app, { method: 'PATCH', url: `${URL}/${key.id}`, payload: { creditLimit: null, rpm: null, tpm: null } })
  t.equal(cleared.statusCode, 200)
  t.match(cleared.json(), { creditLimit: null, creditPeriod: 'day', rpm: null, tpm: null }, 'null clears each limit')
  for (const [field, value] of [['creditLimit', -1], ['rpm', 0], ['rpm', 1.5], ['tpm', 'many']] as const) {
    const bad = await adminCall(app, { method: 'PATCH', url: `${URL}/${key.id}`, payload: { [field]: value } })
    t.equal(bad.statusCode, 400, `${field} ${JSON.stringify(value)} is refused`)
    t.match(bad.json().message, new RegExp(`^body/${field} `))
  }
})

test('unknown ids answer 404 on every per-key route', async (t) => {
  const app = await build(t)
  const calls = [
    { method: 'GET' as const, url: `${URL}/nope` },
    { method: 'PATCH' as const, url: `${URL}/nope`, payload: { name: 'x' } },
    { method: 'POST' as const, url: `${URL}/nope/revoke` },
    { method: 'POST' as const, url: `${URL}/nope/rotate` }
  ]
  for (const call of calls) {
    const res = await adminCall(app, call)
    t.equal(res.statusCode, 404, `${call.method} ${call.url}`)
    t.same(res.json(), { error: 'Not Found', message: 'access key nope not found' })
  }
})

test('revoking marks the key revoked, and a revoked key cannot be rotated back to life', async (t) => {
  const app = await build(t)
  const key = await issueKey(app)
  const res = await adminCall(app, { method: 'POST', url: `${URL}/${key.id}/revoke` })
  t.equal(res.statusCode, 200)
  t.match(res.json(), { id: key.id, status: 'revoked', revokedAt: ISO })
  const again = await adminCall(app, { method: 'POST', url: `${URL}/${key.id}/revoke` })
  t.equal(again.json().revokedAt, res.json().revokedAt, 'revoking twice keeps the first time')

  const rotate = await adminCall(app, { method: 'POST', url: `${URL}/${key.id}/rotate` })
  t.equal(rotate.statusCode, 400)
  t.same(rotate.json(), { error: 'Bad Request', message: `access key ${key.id} is revoked and cannot be rotated` })
})

test('rotating returns a new secret for the same id and checks graceSeconds', async (t) => {
  const app = await build(t)
  const key = await issueKey(app)
  const res = await adminCall(app, { method: 'POST', url: `${URL}/${key.id}/rotate`, payload: { graceSeconds: 30 } })
  t.equal(res.statusCode, 200)
  const rotated = res.json()
  t.equal(rotated.id, key.id)
  t.match(rotated.key, /^hgk_[A-Za-z0-9_-]{43}$/)
  t.not(rotated.key, key.key)
  t.equal(rotated.prefix, rotated.key.slice(0, 12))
  for (const graceSeconds of [-1, 1.5, 8 * 24 * 3600, 'soon']) {
    const bad = await adminCall(app, { method: 'POST', url: `${URL}/${key.id}/rotate`, payload: { graceSeconds } })
    t.equal(bad.statusCode, 400, `graceSeconds ${String(graceSeconds)}`)
    t.match(bad.json().message, /^body\/graceSeconds /)
  }
})

test('the admin API needs an admin credential', async (t) => {
  const app = await build(t)
  const chat = await issueKey(app, { scopes: ['chat'] })
  for (const headers of [{}, { authorization: `Bearer ${chat.key}` }]) {
    for (const [method, url] of [['GET', URL], ['POST', URL], ['POST', `${URL}/x/revoke`], ['GET', '/api/admin/audit']] as const) {
      const res = await app.inject({ method, url, headers, payload: method === 'POST' ? { name: 'x' } : undefined })
      t.equal(res.statusCode, 401, `${method} ${url}`)
      t.equal(res.body, JSON.stringify(UNAUTHORIZED))
    }
  }
  const admin = await issueKey(app, { scopes: ['admin'] })
  const res = await app.inject({ method: 'POST', url: URL, headers: { authorization: `Bearer ${admin.key}` }, payload: { name: 'by a second admin' } })
  t.equal(res.statusCode, 201, 'an issued admin key manages keys too')
})
