import { test, type Test } from 'tap'
import type { FastifyInstance } from 'fastify'
import { ADMIN_KEY, UNAUTHORIZED, adminCall, bearer, issueKey } from '../helpers/build.js'
import { PROBE_URL, buildWithProbe, rawRequest } from '../helpers/probe.js'
import { sleep } from '../helpers/wait.js'

const INVALID_TOKEN = 'Bearer realm="hubgate", error="invalid_token"'
const JSON_TYPE = 'application/json; charset=utf-8'

/** What every refused request must look like, byte for byte. */
async function assertRefused (t: Test, app: FastifyInstance, headers: Record<string, string>, challenge = INVALID_TOKEN, url = PROBE_URL): Promise<void> {
  const res = await app.inject({ url, headers })
  t.equal(res.statusCode, 401, `${JSON.stringify(headers)} → 401`)
  t.equal(res.body, JSON.stringify(UNAUTHORIZED), 'exactly the seed body')
  t.equal(res.headers['content-type'], JSON_TYPE)
  t.equal(res.headers['www-authenticate'], challenge)
}

async function probe (app: FastifyInstance, key: string, query = ''): Promise<number> {
  return (await app.inject({ url: PROBE_URL + query, headers: bearer(key) })).statusCode
}


test('a valid access key reaches the route as its own principal', async (t) => {
  const app = await buildWithProbe(t)
  const key = await issueKey(app, { scopes: ['chat', 'images'] })
  const res = await app.inject({ url: PROBE_URL, headers: bearer(key.key) })
  t.equal(res.statusCode, 200)
  t.same(res.json(), { kind: 'access-key', id: key.id, scopes: ['chat', 'images'] })
})

test('the Bearer scheme is matched case-insensitively', async (t) => {
  const app = await buildWithProbe(t)
  const { key } = await issueKey(app)
  for (const scheme of ['bearer', 'BEARER', 'BeArEr']) {
    const res = await app.inject({ url: PROBE_URL, headers: { authorization: `${scheme} ${key}` } })
    t.equal(res.statusCode, 200, scheme)
  }
})

test('a missing Authorization header gets the seed 401 and a bare Bearer challenge', async (t) => {
  const app = await buildWithProbe(t)
  await assertRefused(t, app, {}, 'Bearer realm="hubgate"')
})

test('malformed Authorization headers get the seed 401, never a 500', async (t) => {
  const app = await buildWithProbe(t)
  const { key } = await issueKey(app)
  const cases: Record<string, string> = {
    empty: '',
    'scheme only': 'Bearer',
    'scheme and space': 'Bearer ',
    'Basic scheme': 'Basic ' + Buffer.from(`user:${key}`).toString('base64'),
    'other scheme': `Token ${key}`,
    'no scheme': key,
    'two spaces': `Bearer  ${key}`,
    'tab separator': `Bearer\t${key}`,
    'tab inside token': `Bearer ${key.slice(0, 10)}\t${key.slice(10)}`,
    'space inside token': `Bearer ${key.slice(0, 10)} ${key.slice(10)}`,
    'token then more words': `Bearer ${key} extra`,
    'unknown key': 'Bearer hgk_' + 'A'.repeat(43),
    'punctuation token': 'Bearer !!!$$$',
    'very long token': 'Bearer ' + 'x'.repeat(16_000),
    'key without its prefix': `Bearer ${key.slice(4)}`,
    'key with one char changed': `Bearer ${key.slice(0, -1)}${key.endsWith('A') ? 'B' : 'A'}`
  }
  for (const [name, authorization] of Object.entries(cases)) {
    t.comment(name)
    await assertRefused(t, app, { authorization })
  }
  t.equal(await probe(app, key), 200, 'the real key still works after all that')
})

test('two Authorization headers are refused even when both carry a valid key (real socket)', async (t) => {
  const app = await buildWithProbe(t)
  const { key } = await issueKey(app)
  await app.listen({ host: '127.0.0.1', port: 0 })
  const single = await rawRequest(app, `GET ${PROBE_URL} HTTP/1.1\r\nAuthorization: Bearer ${key}`)
  t.equal(single.status, 200, 'one header over the same socket path works')
  for (const [first, second] of [[key, key], [key, 'hgk_bogus'], ['hgk_bogus', key]]) {
    const res = await rawRequest(app, `GET ${PROBE_URL} HTTP/1.1\r\nAuthorization: Bearer ${first}\r\nauthorization: Bearer ${second}`)
    t.equal(res.status, 401)
    t.equal(res.body, JSON.stringify(UNAUTHORIZED))
    t.match(res.headers, /\r\nwww-authenticate: Bearer realm="hubgate", error="invalid_token"\r\n/i)
  }
})

test('a key without the route scope gets 401 with insufficient_scope', async (t) => {
  const app = await buildWithProbe(t)
  const { key } = await issueKey(app, { scopes: ['embeddings'] })
  await assertRefused(t, app, bearer(key), 'Bearer realm="hubgate", error="insufficient_scope"')
  // admin routes need the admin scope: a chat key cannot manage keys
  const chat = await issueKey(app, { scopes: ['chat'] })
  await assertRefused(t, app, bearer(chat.key), 'Bearer realm="hubgate", error="insufficient_scope"', '/api/admin/access-keys')
})

test('requireModel admits only models matching the key patterns', async (t) => {
  const app = await buildWithProbe(t)
  const { key } = await issueKey(app, { models: ['openai/*', 'anthropic/claude-3-haiku'] })
  t.equal(await probe(app, key, '?model=openai/gpt-4o'), 200)
  t.equal(await probe(app, key, '?model=anthropic/claude-3-haiku'), 200)
  for (const model of ['anthropic/claude-3-opus', 'openai', 'gemini/openai/x', 'OPENAI/gpt-4o']) {
    const res = await app.inject({ url: `${PROBE_URL}?model=${encodeURIComponent(model)}`, headers: bearer(key) })
    t.equal(res.statusCode, 401, model)
    t.equal(res.body, JSON.stringify(UNAUTHORIZED))
  }
  const any = await issueKey(app)
  t.equal(await probe(app, any.key, '?model=whatever/model'), 200, 'the default "*" allows every model')
})

test('revocation takes effect on the very next request', async (t) => {
  const app = await buildWithProbe(t)
  const { key, id } = await issueKey(app)
  t.equal(await probe(app, key), 200, 'works (and is now cached)')
  t.equal((await adminCall(app, { method: 'POST', url: `/api/admin/access-keys/${id}/revoke` })).statusCode, 200)
  await assertRefused(t, app, bearer(key))
})

test('changing scopes or models applies to the very next request', async (t) => {
  const app = await buildWithProbe(t)
  const { key, id } = await issueKey(app, { scopes: ['chat'] })
  t.equal(await probe(app, key, '?model=openai/gpt-4o'), 200)
  await adminCall(app, { method: 'PATCH', url: `/api/admin/access-keys/${id}`, payload: { models: ['anthropic/*'] } })
  t.equal(await probe(app, key, '?model=openai/gpt-4o'), 401, 'model no longer allowed')
  await adminCall(app, { method: 'PATCH', url: `/api/admin/access-keys/${id}`, payload: { scopes: ['images'] } })
  t.equal(await probe(app, key), 401, 'scope taken away')
})

test('an expired key is refused, even while it is cached', async (t) => {
  const app = await buildWithProbe(t)
  const past = await app.accessKeys.create({ name: 'expired' })
  await app.store.accessKeys.update(past.key.id, { expiresAt: new Date(Date.now() - 1000).toISOString() }, new Date().toISOString())
  await assertRefused(t, app, bearer(past.secret))

  // the routes' first calls compile their schemas: make them before the short expiry starts counting
  t.equal(await probe(app, (await issueKey(app)).key), 200)
  const soon = await issueKey(app, { expiresAt: new Date(Date.now() + 1000).toISOString() })
  t.equal(await probe(app, soon.key), 200, 'works until it expires')
  await sleep(1100)
  await assertRefused(t, app, bearer(soon.key))

  const { key, id } = await issueKey(app)
  t.equal(await probe(app, key), 200)
  await adminCall(app, { method: 'PATCH', url: `/api/admin/access-keys/${id}`, payload: { expiresAt: new Date(Date.now() - 1000).toISOString() } })
  await assertRefused(t, app, bearer(key))
})

test('a rotated-away secret stops at once; the new one works with the same id', async (t) => {
  const app = await buildWithProbe(t)
  const old = await issueKey(app)
  t.equal(await probe(app, old.key), 200)
  const res = await adminCall(app, { method: 'POST', url: `/api/admin/access-keys/${old.id}/rotate` })
  const rotated = res.json<{ id: string, key: string }>()
  t.equal(rotated.id, old.id)
  t.not(rotated.key, old.key)
  await assertRefused(t, app, bearer(old.key))
  t.equal(await probe(app, rotated.key), 200)
})

test('with graceSeconds the old secret keeps working until the window ends', async (t) => {
  const app = await buildWithProbe(t)
  const old = await issueKey(app)
  t.equal(await probe(app, old.key), 200)
  const res = await adminCall(app, { method: 'POST', url: `/api/admin/access-keys/${old.id}/rotate`, payload: { graceSeconds: 1 } })
  const rotated = res.json<{ key: string }>()
  t.equal(await probe(app, old.key), 200, 'old secret inside the grace window')
  t.equal(await probe(app, rotated.key), 200, 'new secret at once')
  await sleep(1100)
  await assertRefused(t, app, bearer(old.key))
  t.equal(await probe(app, rotated.key), 200)

  // revoking ends the grace window too
  const again = await adminCall(app, { method: 'POST', url: `/api/admin/access-keys/${old.id}/rotate`, payload: { graceSeconds: 60 } })
  t.equal(await probe(app, rotated.key), 200, 'previous secret in its window')
  await adminCall(app, { method: 'POST', url: `/api/admin/access-keys/${old.id}/revoke` })
  t.equal(await probe(app, rotated.key), 401)
  t.equal(await probe(app, again.json<{ key: string }>().key), 401)
})

test('unknown API paths say 401 without a key and 404 with one; elsewhere 404 for anyone', async (t) => {
  const app = await buildWithProbe(t)
  await assertRefused(t, app, {}, 'Bearer realm="hubgate"', '/api/nope')
  const found = await app.inject({ url: '/api/nope', headers: bearer(ADMIN_KEY) })
  t.equal(found.statusCode, 404)
  t.same(found.json(), { error: 'Not Found', message: 'Route GET /api/nope not found' })
  t.equal((await app.inject({ url: '/nope' })).statusCode, 404)
})
