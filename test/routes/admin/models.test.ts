import { test, type Test } from 'tap'
import { ADMIN_KEY, UNAUTHORIZED, adminCall, bearer, build, issueKey } from '../../helpers/build.js'
import { needs, postgresEnv, serviceUrl } from '../../helpers/services.js'

async function catalogLifecycle (t: Test, env: Record<string, string>): Promise<void> {
  const app = await build(t, env)
  const created = await adminCall(app, { method: 'POST', url: '/api/admin/models', payload: { id: 'openai/gpt-4o', inputRate: 2.5, outputRate: 10, fallbacks: ['openai/gpt-4o-mini'] } })
  t.equal(created.statusCode, 201)
  t.match(created.json(), { id: 'openai/gpt-4o', provider: 'openai', upstreamModel: 'gpt-4o', kind: 'chat', enabled: true, inputRate: 2.5, outputRate: 10, fallbacks: ['openai/gpt-4o-mini'] })

  const duplicate = await adminCall(app, { method: 'POST', url: '/api/admin/models', payload: { id: 'openai/gpt-4o' } })
  t.equal(duplicate.statusCode, 409)
  t.same(duplicate.json(), { error: 'Conflict', message: 'model openai/gpt-4o is already in the catalog' })

  const nested = await adminCall(app, { method: 'POST', url: '/api/admin/models', payload: { id: 'openrouter/meta-llama/llama-3.1-8b', kind: 'chat' } })
  t.equal(nested.statusCode, 201, 'ids may contain more slashes')
  t.equal(nested.json().upstreamModel, 'meta-llama/llama-3.1-8b')
  const got = await adminCall(app, { url: '/api/admin/models/openrouter/meta-llama/llama-3.1-8b' })
  t.equal(got.statusCode, 200)
  t.equal(got.json().id, 'openrouter/meta-llama/llama-3.1-8b')

  const patched = await adminCall(app, { method: 'PATCH', url: '/api/admin/models/openai/gpt-4o', payload: { outputRate: 12, enabled: false } })
  t.equal(patched.statusCode, 200)
  t.match(patched.json(), { outputRate: 12, enabled: false, inputRate: 2.5 })
  t.match(app.catalog.price('openai/gpt-4o'), { inputRate: 2.5, outputRate: 12 }, 'the in-memory catalog follows at once')
  t.equal(app.catalog.price('openrouter/meta-llama/llama-3.1-8b'), undefined, 'no rates: unpriced')

  const list = await adminCall(app, { url: '/api/admin/models' })
  t.same(list.json().items.map((m: { id: string }) => m.id), ['openai/gpt-4o', 'openrouter/meta-llama/llama-3.1-8b'])

  t.equal((await adminCall(app, { method: 'DELETE', url: '/api/admin/models/openai/gpt-4o' })).statusCode, 204)
  const missing = await adminCall(app, { url: '/api/admin/models/openai/gpt-4o' })
  t.equal(missing.statusCode, 404)
  t.same(missing.json(), { error: 'Not Found', message: 'model openai/gpt-4o is not in the catalog' })

  const audit = await adminCall(app, { url: '/api/admin/audit?targetId=openai/gpt-4o' })
  t.same(audit.json().items.map((e: { action: string }) => e.action), ['model.deleted', 'model.updated', 'model.created'])
}

test('admins manage the model catalog: create, read, update rates, disable, delete', async (t) => {
  await catalogLifecycle(t, {})
})

test('the model catalog works the same on Postgres', needs('TEST_DATABASE_URL', 'Postgres'), async (t) => {
  await catalogLifecycle(t, postgresEnv(t, serviceUrl('TEST_DATABASE_URL')))
})

test('a rate of 0 is a price of 0 and null is no price, not one coerced into the other', async (t) => {
  const app = await build(t)
  const free = await adminCall(app, { method: 'POST', url: '/api/admin/models', payload: { id: 'openai/text-embedding-3-small', kind: 'embedding', inputRate: 0.02, outputRate: 0 } })
  t.match(free.json(), { inputRate: 0.02, outputRate: 0 })
  t.match(app.catalog.price('openai/text-embedding-3-small'), { inputRate: 0.02, outputRate: 0 })
  const unpriced = await adminCall(app, { method: 'PATCH', url: '/api/admin/models/openai/text-embedding-3-small', payload: { outputRate: null } })
  t.match(unpriced.json(), { outputRate: null })
  t.equal(app.catalog.price('openai/text-embedding-3-small'), undefined)
  const text = await adminCall(app, { method: 'PATCH', url: '/api/admin/models/openai/text-embedding-3-small', payload: { outputRate: 'abc' } })
  t.equal(text.statusCode, 400)
})

test('catalog input is validated and the catalog is admin-only', async (t) => {
  const app = await build(t)
  const bad = await adminCall(app, { method: 'POST', url: '/api/admin/models', payload: { id: 'no-provider', inputRate: -1 } })
  t.equal(bad.statusCode, 400)
  t.match(bad.json().message, /body\/id/)
  const negative = await adminCall(app, { method: 'POST', url: '/api/admin/models', payload: { id: 'openai/x', inputRate: -1 } })
  t.equal(negative.statusCode, 400)
  t.match(negative.json().message, /inputRate/)
  const chat = await issueKey(app, { scopes: ['chat'] })
  const denied = await app.inject({ url: '/api/admin/models', headers: bearer(chat.key) })
  t.equal(denied.statusCode, 401)
  t.same(denied.json(), UNAUTHORIZED)
  t.equal((await app.inject({ url: '/api/admin/models', headers: bearer(ADMIN_KEY) })).statusCode, 200)
})
