import { test } from 'tap'
import { SecretBox, credentialBinding } from '#keys/secret-box.js'
import { bearer, build, issueKey, UNAUTHORIZED } from '../../helpers/build.js'
import { openAIMock } from '../../helpers/mock-openai.js'
import { sendJson } from '../../helpers/mock-server.js'
import { storeGateway, usedSecret } from '../../helpers/store-gateway.js'

const ENV_KEY = 'sk-env-provider-secret-0123456789'
const SECRET = 'sk-store-provider-secret-abcdefgh1234'

test('admin provider routes need an admin key', async (t) => {
  const app = await build(t)
  const chatOnly = await issueKey(app, { scopes: ['chat'] })
  for (const headers of [{}, bearer(chatOnly.key)]) {
    const res = await app.inject({ method: 'GET', url: '/api/admin/providers', headers })
    t.equal(res.statusCode, 401)
    t.same(res.json(), UNAUTHORIZED)
  }
  const res = await app.inject({ method: 'POST', url: '/api/admin/providers/x/credentials', headers: bearer(chatOnly.key), payload: { secret: SECRET } })
  t.equal(res.statusCode, 401)
})

test('environment providers are listed read-only; changing them answers 409', async (t) => {
  const { admin } = await storeGateway(t, { OPENAI_API_KEY: ENV_KEY })
  const list = await admin('GET', '/api/admin/providers')
  t.equal(list.statusCode, 200)
  const openai = list.json().items.find((p: { id: string }) => p.id === 'openai')
  t.match(openai, { id: 'openai', source: 'env', readOnly: true, enabled: true, kind: 'openai-compatible' })
  t.notOk(list.body.includes(ENV_KEY), 'the environment key is not shown')
  t.equal((await admin('GET', '/api/admin/providers/openai')).json().source, 'env')
  for (const [method, url, payload] of [
    ['PATCH', '/api/admin/providers/openai', { enabled: false }], ['DELETE', '/api/admin/providers/openai'],
    ['POST', '/api/admin/providers/openai/disable'], ['POST', '/api/admin/providers/openai/credentials', { secret: SECRET }],
    ['POST', '/api/admin/providers', { id: 'openai', kind: 'openai-compatible', baseUrl: 'http://127.0.0.1:9/v1' }]
  ] as const) {
    const res = await admin(method, url, payload)
    t.equal(res.statusCode, 409, `${method} ${url}`)
    t.match(res.json(), { error: 'Conflict', message: /environment and is read-only/ })
  }
})

test('store providers: create, read, update, enable/disable, delete, audited', async (t) => {
  const { admin, app } = await storeGateway(t)
  const body = { id: 'acme', kind: 'openai-compatible', baseUrl: 'http://127.0.0.1:9/v1', models: ['m1'] }
  const created = await admin('POST', '/api/admin/providers', body)
  t.equal(created.statusCode, 201)
  t.match(created.json(), { ...body, displayName: 'acme', enabled: true, source: 'store', readOnly: false, credentials: 0 })
  t.equal((await admin('POST', '/api/admin/providers', body)).statusCode, 409, 'duplicate id')
  t.equal(app.providers.registry.get('acme')?.source, 'store', 'the registry serves it at once')

  const patched = await admin('PATCH', '/api/admin/providers/acme', { displayName: 'Acme AI', models: ['m1', 'm2'] })
  t.match(patched.json(), { displayName: 'Acme AI', models: ['m1', 'm2'] })
  t.same(app.providers.registry.get('acme')?.models, ['m1', 'm2'])

  t.equal((await admin('POST', '/api/admin/providers/acme/disable')).json().enabled, false)
  t.equal(app.providers.registry.get('acme'), undefined, 'a disabled provider serves nothing')
  t.equal((await admin('GET', '/api/admin/providers/acme')).json().enabled, false, 'but is still listed')
  t.equal((await admin('POST', '/api/admin/providers/acme/enable')).json().enabled, true)
  t.ok(app.providers.registry.get('acme'))

  t.equal((await admin('DELETE', '/api/admin/providers/acme')).statusCode, 204)
  const gone = await admin('GET', '/api/admin/providers/acme')
  t.equal(gone.statusCode, 404)
  t.match(gone.json(), { error: 'Not Found', message: 'Provider acme does not exist.' })
  for (const [method, url] of [['PATCH', '/api/admin/providers/acme'], ['DELETE', '/api/admin/providers/acme'], ['POST', '/api/admin/providers/acme/test']] as const) {
    t.equal((await admin(method, url, method === 'PATCH' ? { enabled: true } : undefined)).statusCode, 404, `${method} ${url} of a missing provider`)
  }
  const audit = await admin('GET', '/api/admin/audit?targetId=acme')
  t.same(audit.json().items.map((e: { action: string }) => e.action),
    ['provider.deleted', 'provider.enabled', 'provider.disabled', 'provider.updated', 'provider.created'])
})

test('bad provider and credential bodies get a clear 400', async (t) => {
  const { admin, addProvider } = await storeGateway(t)
  for (const payload of [
    { id: 'Bad Id', kind: 'openai-compatible', baseUrl: 'http://127.0.0.1:9' },
    { id: 'ok', kind: 'cohere', baseUrl: 'http://127.0.0.1:9' },
    { id: 'ok', kind: 'openai-compatible', baseUrl: 'ftp://x' },
    { id: 'ok', kind: 'openai-compatible', baseUrl: 'http://127.0.0.1:9', apiKey: SECRET }
  ]) {
    const res = await admin('POST', '/api/admin/providers', payload)
    t.equal(res.statusCode, 400, JSON.stringify(payload))
    t.equal(res.json().error, 'Bad Request')
  }
  await addProvider('acme', [])
  t.equal((await admin('PATCH', '/api/admin/providers/acme', {})).statusCode, 400, 'an empty patch')
  t.equal((await admin('POST', '/api/admin/providers/acme/credentials', { secret: '' })).statusCode, 400)
  t.equal((await admin('POST', '/api/admin/providers/acme/credentials', { secret: SECRET, weight: 0 })).statusCode, 400)
})

test('credentials are encrypted at rest, masked in answers, and never logged', async (t) => {
  const { admin, addProvider, app, logs, mock, chat } = await storeGateway(t)
  const [id] = await addProvider('acme', [{ secret: SECRET, weight: 2 }])
  const list = await admin('GET', '/api/admin/providers/acme/credentials')
  t.equal(list.statusCode, 200)
  t.match(list.json().items, [{ id, providerId: 'acme', label: 'key 0', weight: 2, secretHint: 'sk-…1234', health: { state: 'ok' } }])
  t.equal((await admin('GET', '/api/admin/providers/acme')).json().credentials, 1)

  const row = await app.store.db.selectFrom('provider_credentials').selectAll().executeTakeFirstOrThrow()
  t.not(row.secret_ciphertext, SECRET)
  t.notOk(row.secret_ciphertext.includes(SECRET.slice(3, 20)), 'no recognisable part of the secret is stored')
  t.equal(new SecretBox(app.serverSecret).decrypt(row.secret_ciphertext, credentialBinding('acme', id ?? '')), SECRET, 'it decrypts back with the server secret')
  t.throws(() => new SecretBox(Buffer.from('another-server-secret-0123456789abcdef')).decrypt(row.secret_ciphertext, credentialBinding('acme', id ?? '')), 'another server secret cannot open it')

  mock.respond(openAIMock.answer({ content: 'hello from acme' }))
  const answer = await chat('acme/gpt-4o-mini')
  t.equal(answer.statusCode, 200)
  t.equal(answer.json().choices[0].message.content, 'hello from acme')
  t.equal(usedSecret(mock.requests[0]?.headers ?? {}), SECRET, 'the upstream got the decrypted credential')

  const renamed = await admin('PATCH', `/api/admin/providers/acme/credentials/${id as string}`, { label: 'primary', weight: 5, secret: 'sk-rotated-secret-000000009999' })
  t.match(renamed.json(), { label: 'primary', weight: 5, secretHint: 'sk-…9999' })
  const responses = [list.body, renamed.body, (await admin('GET', '/api/admin/providers')).body, (await admin('GET', '/api/admin/audit')).body]
  for (const body of responses) t.notOk(body.includes(SECRET) || body.includes('sk-rotated-secret'), 'no secret in any answer')
  t.notOk(logs().includes(SECRET) || logs().includes('sk-rotated-secret'), 'no secret in the logs')

  t.equal((await admin('DELETE', `/api/admin/providers/acme/credentials/${id as string}`)).statusCode, 204)
  t.equal((await admin('DELETE', `/api/admin/providers/acme/credentials/${id as string}`)).statusCode, 404)
  t.equal((await admin('PATCH', '/api/admin/providers/acme/credentials/nope', { weight: 1 })).statusCode, 404)
  t.same((await admin('GET', '/api/admin/providers/acme/credentials')).json().items, [])
  t.equal((await admin('GET', '/api/admin/providers/nope/credentials')).statusCode, 404)
})

test('test connection reports ok, status and latency, never the credential', async (t) => {
  const { admin, addProvider, mock } = await storeGateway(t)
  const [id] = await addProvider('acme', [{ secret: SECRET }])
  mock.respond(
    (_req, res) => sendJson(res, 200, { object: 'list', data: [{ id: 'gpt-4o-mini', object: 'model' }] }),
    openAIMock.error(401, `Incorrect API key provided: ${SECRET}`)
  )
  const ok = await admin('POST', '/api/admin/providers/acme/test')
  t.equal(ok.statusCode, 200)
  t.match(ok.json(), { ok: true, status: 200, message: 'Provider acme answered 200.', credentialId: id })
  t.type(ok.json().latencyMs, 'number')
  t.match(mock.requests[0], { method: 'GET', url: '/models' })
  t.equal(usedSecret(mock.requests[0]?.headers ?? {}), SECRET)

  const refused = await admin('POST', '/api/admin/providers/acme/test')
  t.match(refused.json(), { ok: false, status: 401, message: 'Provider acme answered 401: it refused the credential.' })
  t.notOk(refused.body.includes(SECRET), 'the answer, which echoed the credential, is not relayed')

  await admin('PATCH', '/api/admin/providers/acme', { baseUrl: 'http://127.0.0.1:9/v1' })
  t.match((await admin('POST', '/api/admin/providers/acme/test')).json(), { ok: false, status: null, message: 'Could not reach provider acme.' })
})

test('test connection works for environment providers too', async (t) => {
  const env = await storeGateway(t, (url) => ({ OPENAI_API_KEY: ENV_KEY, OPENAI_BASE_URL: url }))
  const { mock } = env
  mock.respond((_req, res) => sendJson(res, 200, { object: 'list', data: [] }))
  const res = await env.admin('POST', '/api/admin/providers/openai/test')
  t.match(res.json(), { ok: true, status: 200 })
  t.equal(usedSecret(mock.requests[0]?.headers ?? {}), ENV_KEY)
  t.notOk('credentialId' in res.json())
  t.notOk(env.logs().includes(ENV_KEY))
})

test('the OpenAPI document describes the provider routes and their errors', async (t) => {
  const { app } = await storeGateway(t)
  const doc = (await app.inject({ url: '/docs/json' })).json()
  const paths = doc.paths as Record<string, Record<string, { responses: Record<string, unknown> }>>
  t.ok(paths['/api/admin/providers/']?.post?.responses['409'])
  t.ok(paths['/api/admin/providers/{id}']?.patch?.responses['409'])
  t.ok(paths['/api/admin/providers/{id}/test']?.post?.responses['200'])
  t.ok(paths['/api/admin/providers/{id}/credentials/{credentialId}']?.delete?.responses['404'])
  t.ok(paths['/api/admin/price-list/']?.get?.responses['200'], 'the price list\'s providers, for priceProvider')
  const created = JSON.stringify(paths['/api/admin/providers/']?.post)
  t.match(created, /"priceProvider"/, 'a provider\'s price list choice is described')
  t.match(created, /"builtinPrices"/)
})
