import { test } from 'tap'
import { adminCall, bearer, issueKey, UNAUTHORIZED } from '../../helpers/build.js'
import { openAIMock } from '../../helpers/mock-openai.js'
import { gatewayWithMock } from '../../helpers/gateway.js'
import { openAIError } from '../../helpers/openai-error.js'

const hi = [{ role: 'user', content: 'hi' }]

test('the OpenAI routes answer at /api/v2, /v1 and the root alike; unknown /v1 routes are OpenAI-shaped 404s behind the key', async (t) => {
  const gw = await gatewayWithMock(t, 'openai')
  gw.mock.respond(openAIMock.answer({ content: 'ok' }))
  for (const base of ['/api/v2', '/v1', '']) {
    const res = await gw.app.inject({ method: 'POST', url: `${base}/chat/completions`, headers: bearer(gw.key), payload: { model: 'gpt-4o-mini', messages: hi } })
    t.equal(res.statusCode, 200, `${base}/chat/completions`)
    const models = await gw.app.inject({ url: `${base}/models`, headers: bearer(gw.key) })
    t.equal(models.json().object, 'list', `${base}/models`)
    const anonymous = await gw.app.inject({ method: 'POST', url: `${base}/chat/completions`, payload: { model: 'gpt-4o-mini', messages: hi } })
    t.same([anonymous.statusCode, anonymous.json()], [401, UNAUTHORIZED], `${base}: the same authentication`)
  }
  const unknown = await gw.app.inject({ url: '/v1/nothing-here', headers: bearer(gw.key) })
  t.same([unknown.statusCode, unknown.json()], [404, openAIError('Route GET /v1/nothing-here not found', 'invalid_request_error', 'unknown_url')])
  const probing = await gw.app.inject({ url: '/v1/nothing-here' })
  t.same([probing.statusCode, probing.json()], [401, UNAUTHORIZED], 'without a key nothing under /v1 is revealed')

  const doc = (await gw.app.inject({ url: '/openapi.json' })).json()
  t.ok(doc.paths['/api/v2/chat/completions/'], 'documented once, at /api/v2')
  // (/v1/messages is the Anthropic family's own documented URL, not a copy of an OpenAI route)
  const copies = Object.keys(doc.paths).filter((p: string) => (p.startsWith('/v1/') && !p.startsWith('/v1/messages')) || p === '/chat/completions')
  t.same(copies, [], 'the other base URLs are not repeated')
})

test('bare names resolve to the first provider listing them, or a catalog alias; an unknown one is a 404', async (t) => {
  const gw = await gatewayWithMock(t, 'openai', { ANTHROPIC_API_KEY: 'sk-ant-x', ANTHROPIC_BASE_URL: 'http://127.0.0.1:9', OPENAI_MODELS: 'gpt-4o-mini,shared-name', ANTHROPIC_MODELS: 'shared-name' })
  gw.mock.respond(openAIMock.answer({ content: 'ok' }))
  t.equal((await gw.chat({ model: 'shared-name', messages: hi })).statusCode, 200)
  t.equal(gw.mock.requests.at(-1)?.body.model, 'shared-name', 'openai comes before anthropic in the documented order')

  const missing = await gw.chat({ model: 'gpt-9-imaginary', messages: hi })
  t.equal(missing.statusCode, 404)
  t.match(missing.json(), { error: { type: 'invalid_request_error', code: 'model_not_found', message: /Name it "provider\/model"/ } })

  const created = await adminCall(gw.app, { method: 'POST', url: '/api/admin/models', payload: { id: 'openai/gpt-4o-mini', aliases: ['fast', 'shared-name'] } })
  t.equal(created.statusCode, 201)
  t.same(created.json().aliases, ['fast', 'shared-name'])
  t.equal((await gw.chat({ model: 'fast', messages: hi })).statusCode, 200)
  t.equal(gw.mock.requests.at(-1)?.body.model, 'gpt-4o-mini', 'an alias names its catalog model')
  t.match(gw.usage.at(-1), { model: 'openai/gpt-4o-mini' }, 'and is metered as it')
})

test('a key\'s model patterns are checked against the resolved model: a bare name or alias bypasses nothing', async (t) => {
  const gw = await gatewayWithMock(t, 'openai', { OPENAI_MODELS: 'gpt-4o-mini,gpt-4o' })
  gw.mock.respond(openAIMock.answer({ content: 'ok' }))
  await adminCall(gw.app, { method: 'POST', url: '/api/admin/models', payload: { id: 'openai/gpt-4o', aliases: ['gpt-4o-mini-cheap'] } })
  const mini = await issueKey(gw.app, { scopes: ['chat'], models: ['openai/gpt-4o-mini'] })
  const bareGlob = await issueKey(gw.app, { scopes: ['chat'], models: ['gpt-*'] })
  for (const [key, model] of [[mini.key, 'gpt-4o'], [mini.key, 'gpt-4o-mini-cheap'], [bareGlob.key, 'gpt-4o-mini']] as const) {
    const res = await gw.app.inject({ method: 'POST', url: '/v1/chat/completions', headers: bearer(key), payload: { model, messages: hi } })
    t.same([res.statusCode, res.json()], [401, UNAUTHORIZED], `${model} resolves outside the key's patterns`)
  }
  t.equal(gw.mock.requests.length, 0)
  const allowed = await gw.app.inject({ method: 'POST', url: '/v1/chat/completions', headers: bearer(mini.key), payload: { model: 'gpt-4o-mini', messages: hi } })
  t.equal(allowed.statusCode, 200)
})

test('catalog aliases: unique across the catalog, bounded, replaced by PATCH, freed by DELETE, audited', async (t) => {
  const gw = await gatewayWithMock(t, 'openai')
  const create = async (payload: Record<string, unknown>): Promise<number> => (await adminCall(gw.app, { method: 'POST', url: '/api/admin/models', payload })).statusCode
  t.equal(await create({ id: 'openai/gpt-4o', aliases: ['smart'] }), 201)
  t.equal(await create({ id: 'openai/gpt-4.1', aliases: ['smart'] }), 409, 'an alias names one model')
  t.equal((await adminCall(gw.app, { url: '/api/admin/models/openai/gpt-4.1' })).statusCode, 404, 'the refused create left nothing behind')
  t.equal(await create({ id: 'openai/gpt-4.1', aliases: ['openai/gpt-4o'] }), 400, 'an alias has no "/"')
  t.equal(await create({ id: 'openai/gpt-4.1', aliases: ['x'.repeat(65)] }), 400, 'at most 64 characters')
  t.equal(await create({ id: 'openai/gpt-4.1', aliases: Array.from({ length: 17 }, (_, i) => `a${i}`) }), 400, 'at most 16')

  const patched = await adminCall(gw.app, { method: 'PATCH', url: '/api/admin/models/openai/gpt-4o', payload: { aliases: ['clever'] } })
  t.same(patched.json().aliases, ['clever'])
  t.equal(await create({ id: 'openai/gpt-4.1', aliases: ['smart'] }), 201, 'the replaced alias is free again')
  t.equal((await adminCall(gw.app, { method: 'DELETE', url: '/api/admin/models/openai/gpt-4o' })).statusCode, 204)
  t.equal(await create({ id: 'openai/gpt-5', aliases: ['clever'] }), 201, 'a deleted model\'s aliases are free')
  const audit = (await adminCall(gw.app, { url: '/api/admin/audit?action=model.updated' })).json()
  t.match(JSON.stringify(audit), /clever/, 'the change is audited with its aliases')
})
