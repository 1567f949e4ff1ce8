import { test } from 'tap'
import { adminCall, bearer } from '../helpers/build.js'
import { openAIMock } from '../helpers/mock-openai.js'
import { limitedKey, mediaAndChat, priced, recordsOf, spendGateway } from './spend-bounds.js'

/* Per-image and per-request rates: how image calls are priced, and image models that cannot be priced. */

const dalle = { model: 'openai/dall-e-3', prompt: 'a red fox' }

test('an image model without a per-image rate is unpriced for images: refused for a budgeted key, never recorded as free', async (t) => {
  const gw = await spendGateway(t, {}, mediaAndChat({ imageUsage: false }))
  // token rates only: DALL-E reports no tokens, so they cannot price its images
  await priced(gw.app, 'openai/dall-e-3', { inputRate: 5, outputRate: 40 })
  const limited = await limitedKey(gw.app, { creditLimit: 1 })
  const refused = await gw.app.inject({ method: 'POST', url: '/api/v2/images/generations', headers: bearer(limited.key), payload: { ...dalle, n: 8 } })
  t.equal(refused.statusCode, 402)
  t.match(refused.body, /openai\/dall-e-3 has no price in the catalog/)
  t.equal(gw.mock.requests.length, 0, 'nothing went upstream')

  const open = await limitedKey(gw.app, {})
  t.equal((await gw.app.inject({ method: 'POST', url: '/api/v2/images/generations', headers: bearer(open.key), payload: dalle })).statusCode, 200, 'a key without a limit may use it')
  const [record] = await recordsOf(gw.app, open.id)
  t.match(record, { status: 200, credits: 0, priced: false }, 'recorded as unpriced, not as priced at zero')
  const report = (await adminCall(gw.app, { url: '/api/admin/usage?groupBy=model' })).json()
  t.same(report.unpricedModels, ['openai/dall-e-3'], 'the usage report names it')
})

test('per-image rates: the most specific size/quality rate, the default, or the highest that could apply when left to the provider', async (t) => {
  const gw = await spendGateway(t, {}, mediaAndChat({ imageUsage: false }))
  await priced(gw.app, 'openai/dall-e-3', { imageRate: 0.02, imageRates: { '1024x1024/hd': 0.08, '1024x1024/*': 0.05, '*/standard': 0.03 } })
  const { id, key } = await limitedKey(gw.app, { creditLimit: 10 })
  const calls = [
    { options: { size: '1024x1024', quality: 'hd', n: 2 }, credits: 0.16 },
    { options: { size: '1024x1024', quality: 'standard' }, credits: 0.05 },
    { options: { size: '512x512', quality: 'standard' }, credits: 0.03 },
    { options: { size: '512x512', quality: 'low' }, credits: 0.02 },
    { options: { quality: 'standard' }, credits: 0.05 },
    { options: { size: 'auto' }, credits: 0.08 }
  ]
  for (const call of calls) {
    const res = await gw.app.inject({ method: 'POST', url: '/api/v2/images/generations', headers: bearer(key), payload: { ...dalle, ...call.options } })
    t.equal(res.statusCode, 200)
  }
  const records = await recordsOf(gw.app, id)
  t.same(records.map((r) => Math.round(r.credits * 1e6) / 1e6).sort(), calls.map((c) => c.credits).sort(), 'each call charged images × its rate')
  const self = (await gw.app.inject({ url: '/api/v2/usage', headers: bearer(key) })).json()
  t.ok(Math.abs(self.creditsUsed - 0.39) < 1e-9, `the budget was charged the same (${self.creditsUsed})`)
})

test('a per-request rate prices a model by the call: charged when it answered, not when it failed', async (t) => {
  const gw = await spendGateway(t, {}, openAIMock.answer({ content: 'ok' }))
  await priced(gw.app, 'openai/gpt-4o-mini', { requestRate: 0.25 })
  const { id, key } = await limitedKey(gw.app, { creditLimit: 0.6 })
  const send = async (): Promise<number> => (await gw.app.inject({
    method: 'POST', url: '/api/v2/chat/completions', headers: bearer(key), payload: { model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }
  })).statusCode
  t.same([await send(), await send(), await send()], [200, 200, 402], 'two calls fit a limit of 0.6')
  gw.mock.respond(openAIMock.error(400, 'bad request'))
  await adminCall(gw.app, { method: 'PATCH', url: '/api/admin/models/openai/gpt-4o-mini', payload: { requestRate: 0.05 } })
  t.equal(await send(), 400)
  const records = await recordsOf(gw.app, id)
  t.same(records.map((r) => r.credits).sort(), [0, 0, 0.25, 0.25], 'the failed and the refused calls cost nothing')
})

test('admin API: per-image and per-request rates are created, listed, changed and validated', async (t) => {
  const gw = await spendGateway(t, {}, mediaAndChat())
  const created = await adminCall(gw.app, {
    method: 'POST', url: '/api/admin/models', payload: { id: 'openai/dall-e-3', kind: 'image', imageRate: 0.04, imageRates: { '1024x1024/hd': 0.08, '*/standard': 0.04 } }
  })
  t.equal(created.statusCode, 201)
  t.match(created.json(), { imageRate: 0.04, imageRates: { '1024x1024/hd': 0.08, '*/standard': 0.04 }, requestRate: null, inputRate: null })
  const changed = await adminCall(gw.app, { method: 'PATCH', url: '/api/admin/models/openai/dall-e-3', payload: { requestRate: 0.001, imageRates: {} } })
  t.equal(changed.statusCode, 200)
  t.match(changed.json(), { imageRate: 0.04, imageRates: {}, requestRate: 0.001 })
  const listed = (await adminCall(gw.app, { url: '/api/admin/models' })).json().items
  t.match(listed, [{ id: 'openai/dall-e-3', imageRate: 0.04, requestRate: 0.001 }])

  for (const payload of [{ imageRates: { '1024x1024': 0.08 } }, { imageRates: { '1024x1024/hd': -1 } }, { imageRate: -0.5 }, { requestRate: 'free' }]) {
    const bad = await adminCall(gw.app, { method: 'PATCH', url: '/api/admin/models/openai/dall-e-3', payload })
    t.equal(bad.statusCode, 400, `refused: ${JSON.stringify(payload)}`)
    t.same(Object.keys(bad.json()).sort(), ['error', 'message'])
  }
})

test('UNPRICED_MODEL_POLICY=warn: an image call priced only by the tokens it reports is charged to the budget as recorded', async (t) => {
  const gw = await spendGateway(t, { UNPRICED_MODEL_POLICY: 'warn' }, mediaAndChat({ imageUsage: true }))
  await priced(gw.app, 'openai/gpt-image-1', { inputRate: 5, outputRate: 10 })
  const { id, key } = await limitedKey(gw.app, { creditLimit: 1 })
  const res = await gw.app.inject({ method: 'POST', url: '/api/v2/images/generations', headers: bearer(key), payload: { model: 'openai/gpt-image-1', prompt: 'a fox' } })
  t.equal(res.statusCode, 200, 'no per-image rate to reserve, but the policy lets it through')
  const [record] = await recordsOf(gw.app, id)
  t.match(record, { priced: true, credits: (50 * 5 + 4160 * 10) / 1e6 }, 'charged by the tokens the provider reported')
  const self = (await gw.app.inject({ url: '/api/v2/usage', headers: bearer(key) })).json()
  t.equal(self.creditsUsed, record?.credits, 'and the budget saw the same spend')
})

test('an image charged by its reported tokens never costs more than its per-image reservation', async (t) => {
  const gw = await spendGateway(t, {}, mediaAndChat({ imageUsage: true }))
  // the mock reports 50 input and 4160 output tokens: 0.0419 credits by tokens, above the per-image price
  await priced(gw.app, 'openai/gpt-image-1', { inputRate: 5, outputRate: 10, imageRate: 0.01 })
  const { id, key } = await limitedKey(gw.app, { creditLimit: 0.05 })
  const codes: number[] = []
  for (let i = 0; i < 6; i++) {
    codes.push((await gw.app.inject({ method: 'POST', url: '/api/v2/images/generations', headers: bearer(key), payload: { model: 'openai/gpt-image-1', prompt: 'a fox' } })).statusCode)
  }
  t.ok(codes.includes(402), `the budget runs out (${codes.join(',')})`)
  const records = (await recordsOf(gw.app, id)).filter((r) => r.status === 200)
  t.ok(records.length > 0, 'some calls were served')
  for (const record of records) t.ok(record.credits <= 0.01 + 5 * 50 / 1e6 + 1e-12, `charged ${record.credits}: at most one image at its rate plus the prompt`)
  const self = (await gw.app.inject({ url: '/api/v2/usage', headers: bearer(key) })).json()
  t.ok(self.creditsUsed <= 0.05 + 1e-9, `spend ${self.creditsUsed} stays within the limit`)
})

test('AIGNE and AI Kit image answers report the credits the call was charged, per image too', async (t) => {
  const gw = await spendGateway(t, {}, mediaAndChat({ imageUsage: false }))
  await priced(gw.app, 'openai/dall-e-3', { imageRate: 0.04, imageRates: { '1024x1024/hd': 0.08 } })
  const { id, key } = await limitedKey(gw.app, { creditLimit: 10 })
  const aigne = await gw.app.inject({
    method: 'POST', url: '/api/v2/image', headers: bearer(key),
    payload: { input: { prompt: 'a fox', modelOptions: { model: 'openai/dall-e-3', n: 2, size: '1024x1024', quality: 'hd' } } }
  })
  t.equal(aigne.statusCode, 200)
  t.equal(aigne.json().usage.aigneHubCredits, 0.16)
  const legacy = await gw.app.inject({ method: 'POST', url: '/api/v1/image/generations', headers: bearer(key), payload: { model: 'openai/dall-e-3', prompt: 'a fox', size: '512x512' } })
  t.equal(legacy.statusCode, 200)
  t.same(legacy.json().usage, { aigneHubCredits: 0.04 })
  t.same((await recordsOf(gw.app, id)).map((r) => r.credits).sort(), [0.04, 0.16], 'as recorded')
})
