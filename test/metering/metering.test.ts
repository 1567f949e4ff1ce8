import { test } from 'tap'
import { anthropicMock } from '../helpers/mock-anthropic.js'
import { geminiMock } from '../helpers/mock-gemini.js'
import { openAIMock } from '../helpers/mock-openai.js'
import { adminCall, bearer, issueKey } from '../helpers/build.js'
import { gatewayWithMock } from '../helpers/gateway.js'
import { needs, postgresEnv, serviceUrl } from '../helpers/services.js'
import type { FastifyInstance } from 'fastify'
import { openAIErrorLike } from '../helpers/openai-error.js'

const PRICE = { inputRate: 3, outputRate: 15 }

async function usageByModel (app: FastifyInstance): Promise<Array<Record<string, any>>> {
  const res = await adminCall(app, { url: '/api/admin/usage?groupBy=model,key' })
  if (res.statusCode !== 200) throw new Error(res.body)
  return res.json().items
}

const cases = [
  { provider: 'openai' as const, model: 'openai/gpt-4o-mini', basePath: '/v1', handler: openAIMock.answer({ content: 'Hello there!' }) },
  { provider: 'anthropic' as const, model: 'anthropic/claude-sonnet-4-5', basePath: '', handler: anthropicMock.answer({ text: 'Hello there!' }) },
  { provider: 'gemini' as const, model: 'gemini/gemini-2.5-flash', basePath: '/v1beta', handler: geminiMock.answer({ text: ['Hello ', 'there!'] }) }
]

for (const { provider, model, basePath, handler } of cases) {
  test(`${provider}: streamed and non-streamed calls are recorded with tokens and catalog credits`, async (t) => {
    const gw = await gatewayWithMock(t, provider, {}, basePath)
    gw.mock.respond(handler)
    await gw.app.catalog.create({ id: model, ...PRICE })
    const plain = await gw.chat({ model, messages: [{ role: 'user', content: 'hi' }] })
    t.equal(plain.statusCode, 200)
    const streamed = await gw.chat({ model, stream: true, messages: [{ role: 'user', content: 'hi' }] })
    t.equal(streamed.statusCode, 200)
    t.equal(gw.usage.length, 2)
    const rows = await usageByModel(gw.app)
    t.equal(rows.length, 1)
    const expected = gw.usage.reduce((sum, e) => ({ prompt: sum.prompt + e.promptTokens, completion: sum.completion + e.completionTokens }), { prompt: 0, completion: 0 })
    t.ok(expected.prompt > 0 && expected.completion > 0, 'the provider reported tokens, streamed too')
    t.match(rows[0], { model, requests: 2, errors: 0, promptTokens: expected.prompt, completionTokens: expected.completion })
    t.ok(Math.abs(rows[0]!.credits - (expected.prompt * PRICE.inputRate + expected.completion * PRICE.outputRate) / 1e6) < 1e-9, 'credits = tokens × rates per 1M')
    const records = await gw.app.store.db.selectFrom('usage_records').selectAll().execute()
    t.same(records.map((r) => r.streamed).sort(), [0, 1])
    t.ok(records.every((r) => r.request_id !== '' && r.latency_ms >= 0 && r.status === 200 && r.priced === 1))
  })
}

test('a failed call is recorded with its status and reason', async (t) => {
  const gw = await gatewayWithMock(t, 'openai')
  gw.mock.respond(openAIMock.error(400, 'bad temperature'))
  const res = await gw.chat({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] })
  t.equal(res.statusCode, 400)
  await gw.app.metering.recorder.flush()
  const [record] = await gw.app.store.db.selectFrom('usage_records').selectAll().execute()
  t.match(record, { status: 400, total_tokens: 0 })
  t.match(record?.error, /bad temperature/)
  const report = (await adminCall(gw.app, { url: '/api/admin/usage?groupBy=model' })).json()
  t.match(report.items[0], { requests: 1, errors: 1 })
})

test('a model name typed with a NUL is recorded with U+FFFD, on Postgres too, and holds no other record up', needs('TEST_DATABASE_URL', 'Postgres'), async (t) => {
  const gw = await gatewayWithMock(t, 'openai', postgresEnv(t, serviceUrl('TEST_DATABASE_URL')))
  gw.mock.respond(openAIMock.answer({ content: 'Hello there!' }))
  // a provider this gateway does not have: refused, and recorded as the client named it
  const refused = await gw.chat({ model: 'anthropic/claude\u0000x', messages: [{ role: 'user', content: 'hi' }] })
  t.equal(refused.statusCode, 400)
  t.equal((await gw.chat({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] })).statusCode, 200)
  await gw.app.metering.recorder.flush()
  t.equal(gw.app.metering.recorder.pending, 0, 'both records are in the store')
  const models = (await gw.app.store.db.selectFrom('usage_records').select('model').execute()).map((r) => r.model)
  t.same(models.sort(), ['anthropic/claude\ufffdx', 'openai/gpt-4o-mini'])
})

test('200 concurrent requests against a credit limit that allows about 20: never overspent, each served or refused', async (t) => {
  const gw = await gatewayWithMock(t, 'openai', { USAGE_FLUSH_MS: '50' })
  gw.mock.respond(openAIMock.answer({ content: 'ok', usage: { prompt_tokens: 40, completion_tokens: 60 } }))
  await gw.app.catalog.create({ id: 'openai/gpt-4o-mini', inputRate: 1000, outputRate: 1000 })
  const body = { model: 'openai/gpt-4o-mini', max_tokens: 100, messages: [{ role: 'user', content: 'count to three' }] }
  // worst case per request: prompt bytes + max_tokens, at 1000 credits per 1M tokens
  const estimate = (Buffer.byteLength(JSON.stringify(body.messages)) + Buffer.byteLength('[]') + 100) * 1000 / 1e6
  const limit = estimate * 20.5
  const { key } = await issueKey(gw.app, { scopes: ['chat'], creditLimit: limit })
  const results = await Promise.all(Array.from({ length: 200 }, async () =>
    await gw.app.inject({ method: 'POST', url: '/api/v2/chat/completions', headers: bearer(key), payload: body })))
  const served = results.filter((r) => r.statusCode === 200).length
  const refused = results.filter((r) => r.statusCode === 402)
  t.equal(served + refused.length, 200, 'every request was either served or refused')
  t.ok(served >= 20, `at least the ~20 the limit allows were served (${served})`)
  t.match(refused[0]?.json(), openAIErrorLike(/Credit limit reached for this key/, 'insufficient_quota'))
  await gw.app.metering.recorder.flush()
  const spent = await gw.app.store.usage.spentSince((await gw.app.accessKeys.list({ limit: 10, offset: 0 })).items.find((k) => k.creditLimit !== null)!.id, '1970-01-01T00:00:00.000Z')
  t.ok(spent <= limit, `spend ${spent} never exceeds the limit ${limit}`)

  const self = await gw.app.inject({ url: '/api/v2/usage', headers: bearer(key) })
  t.equal(self.statusCode, 200)
  t.match(self.json(), { creditLimit: limit, period: 'total' })
  t.ok(Math.abs(self.json().creditsUsed - spent) < 1e-9, 'self-service sees the same spend')
  t.ok(self.json().creditsRemaining >= 0)
  t.match(self.json().byModel[0], { model: 'openai/gpt-4o-mini', requests: 200 })
})

test('unpriced models: refused for keys with a credit limit by default, recorded at zero (and reported) otherwise', async (t) => {
  const gw = await gatewayWithMock(t, 'openai')
  gw.mock.respond(openAIMock.answer({ content: 'ok' }))
  const limited = await issueKey(gw.app, { scopes: ['chat'], creditLimit: 10 })
  const refused = await gw.app.inject({ method: 'POST', url: '/api/v2/chat/completions', headers: bearer(limited.key), payload: { model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] } })
  t.equal(refused.statusCode, 402)
  t.match(refused.json().message, /has no price/)
  t.equal(gw.mock.requests.length, 0, 'nothing went upstream')

  const ok = await gw.chat({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] })
  t.equal(ok.statusCode, 200, 'an unlimited key may use it')
  const report = (await adminCall(gw.app, { url: '/api/admin/usage?groupBy=model' })).json()
  t.same(report.unpricedModels, ['openai/gpt-4o-mini'], 'the report names the unpriced model')
})

test('UNPRICED_MODEL_POLICY=refuse refuses every key', async (t) => {
  const gw = await gatewayWithMock(t, 'openai', { UNPRICED_MODEL_POLICY: 'refuse' })
  gw.mock.respond(openAIMock.answer({ content: 'ok' }))
  const res = await gw.chat({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] })
  t.equal(res.statusCode, 402)
  t.same(Object.keys(res.json()).sort(), ['error', 'message'])
})
