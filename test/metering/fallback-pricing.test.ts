import { test } from 'tap'
import type { TestContext } from '../helpers/build.js'
import { openAIMock } from '../helpers/mock-openai.js'
import { startMock, type MockServer } from '../helpers/mock-server.js'
import { burst, chatUsingItsBound, limitedKey, priced, recordsOf, selfReportAgrees, spendGateway } from './spend-bounds.js'
import type { Gateway } from '../helpers/gateway.js'

/*
 * Catalog fallbacks and budgets: a fallback is charged at its own rates, the reservation covers the priciest model
 * that may answer, and a fallback without a price is skipped for keys the unpriced-model policy would refuse it to.
 */

const messages = [{ role: 'user', content: 'count to three' }]
const body = { model: 'openai/gpt-4o', max_tokens: 50, messages }
const promptBound = Buffer.byteLength(JSON.stringify(messages)) + Buffer.byteLength('[]')

/** OpenAI (the requested model) always fails; DeepSeek (its fallback) answers using every token it may. */
async function failingOverToDeepSeek (t: TestContext, env: Record<string, string> = {}): Promise<Gateway & { deepseek: MockServer }> {
  const deepseek = await startMock(t)
  deepseek.respond(chatUsingItsBound)
  const gw = await spendGateway(t, { DEEPSEEK_API_KEY: 'sk-test-deepseek-0123456789', DEEPSEEK_BASE_URL: deepseek.url, UPSTREAM_RETRIES: '0', ...env }, openAIMock.error(500, 'down'))
  return { ...gw, deepseek }
}

test('a pricier fallback is reserved for up front and charged at its own rate: concurrent calls never pass the limit', async (t) => {
  const gw = await failingOverToDeepSeek(t)
  await priced(gw.app, 'openai/gpt-4o', { inputRate: 1000, outputRate: 1000, fallbacks: ['deepseek/deepseek-chat'] })
  await priced(gw.app, 'deepseek/deepseek-chat', { inputRate: 10_000, outputRate: 10_000 })
  const fallbackReserve = (promptBound + 50) * 10_000 / 1e6
  const limit = fallbackReserve * 2.5
  const { id, key } = await limitedKey(gw.app, { creditLimit: limit })

  const results = await burst(gw.app, key, '/api/v2/chat/completions', body, 12)
  const statuses = results.map((r) => r.statusCode)
  t.ok(statuses.every((s) => s === 200 || s === 402), `served or refused (${statuses.join(',')})`)
  t.equal(statuses.filter((s) => s === 200).length, 2, 'only as many calls as the fallback\'s price allows')
  const records = await recordsOf(gw.app, id)
  const spent = records.reduce((sum, r) => sum + r.credits, 0)
  t.ok(spent <= limit + 1e-9, `spend ${spent} never exceeds the limit ${limit}`)
  const served = records.filter((r) => r.status === 200)
  t.ok(served.every((r) => Math.abs(r.credits - (10 + 50) * 10_000 / 1e6) < 1e-9), 'each answer charged at DeepSeek\'s rate, not the requested model\'s')
  const agrees = await selfReportAgrees(gw.app, key, records)
  t.ok(agrees.ok, `GET /api/v2/usage agrees with the store: ${agrees.detail}`)
})

test('an unpriced fallback is skipped for a key with a credit limit, and serves keys the policy allows', async (t) => {
  const gw = await failingOverToDeepSeek(t)
  await priced(gw.app, 'openai/gpt-4o', { inputRate: 1, outputRate: 1, fallbacks: ['deepseek/deepseek-chat'] })
  const limited = await limitedKey(gw.app, { creditLimit: 100 })
  const refused = await gw.app.inject({ method: 'POST', url: '/api/v2/chat/completions', headers: { authorization: `Bearer ${limited.key}` }, payload: body })
  t.equal(refused.statusCode, 502, 'the requested model\'s failure, not a free answer')
  t.equal(gw.deepseek.requests.length, 0, 'the unpriced fallback was never asked')

  const open = await limitedKey(gw.app, {})
  const served = await gw.app.inject({ method: 'POST', url: '/api/v2/chat/completions', headers: { authorization: `Bearer ${open.key}` }, payload: body })
  t.equal(served.statusCode, 200, 'a key without a limit is served by it (policy refuse-limited)')
  t.match((await recordsOf(gw.app, open.id))[0], { credits: 0, priced: false })
})

test('UNPRICED_MODEL_POLICY=refuse: an unpriced fallback serves no key', async (t) => {
  const gw = await failingOverToDeepSeek(t, { UNPRICED_MODEL_POLICY: 'refuse' })
  await priced(gw.app, 'openai/gpt-4o', { inputRate: 1, outputRate: 1, fallbacks: ['deepseek/deepseek-chat'] })
  const res = await gw.app.inject({ method: 'POST', url: '/api/v2/chat/completions', headers: { authorization: `Bearer ${gw.key}` }, payload: body })
  t.equal(res.statusCode, 502)
  t.equal(gw.deepseek.requests.length, 0)
})
