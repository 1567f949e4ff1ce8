import { test } from 'tap'
import { ADMIN_KEY, bearer, issueKey, type TestContext } from '../../helpers/build.js'
import { openAIMock } from '../../helpers/mock-openai.js'
import { resetConnection, startMock, type MockServer } from '../../helpers/mock-server.js'
import { gatewayWithMock, sseData, type Gateway } from '../../helpers/gateway.js'
import { openAIErrorLike } from '../../helpers/openai-error.js'

const hello = { model: 'openai/gpt-4o', messages: [{ role: 'user', content: 'hi' }] }
const FAST_RETRIES = { UPSTREAM_RETRY_BASE_MS: '1' }

/** The gateway's OpenAI mock plus a second OpenAI-compatible provider (DeepSeek) on its own mock. */
async function twoProviders (t: TestContext, env: Record<string, string> = {}): Promise<Gateway & { deepseek: MockServer }> {
  const deepseek = await startMock(t)
  const gw = await gatewayWithMock(t, 'openai', { DEEPSEEK_API_KEY: 'sk-test-deepseek-0123456789', DEEPSEEK_BASE_URL: deepseek.url, ...FAST_RETRIES, ...env })
  deepseek.respond(openAIMock.answer({ content: 'from deepseek', model: 'deepseek-chat' }))
  return { ...gw, deepseek }
}

async function ready (gw: Gateway): Promise<Record<string, string>> {
  const res = await gw.app.inject({ url: '/api/admin/health', headers: bearer(ADMIN_KEY) })
  return res.json().providers
}

async function metrics (gw: Gateway): Promise<string> {
  return (await gw.app.inject({ url: '/metrics', headers: bearer(ADMIN_KEY) })).body
}

test('a 5xx or a reset connection is retried, and the client only sees the answer', async (t) => {
  const gw = await gatewayWithMock(t, 'openai', FAST_RETRIES)
  gw.mock.respond(openAIMock.error(503, 'Overloaded'), resetConnection, openAIMock.answer({ content: 'third time' }))
  const res = await gw.chat(hello)
  t.equal(res.statusCode, 200)
  t.equal(res.json().choices[0].message.content, 'third time')
  t.equal(gw.mock.requests.length, 3)
  t.equal(gw.usage.length, 1, 'one usage event for the call, not one per attempt')
  t.match(gw.usage[0], { model: 'openai/gpt-4o', status: 200, attempts: 3, promptTokens: 9, completionTokens: 12 })
  t.notOk('requestedModel' in (gw.usage[0] ?? {}), 'no fallback was involved')
})

test('retries are bounded by UPSTREAM_RETRIES; the last error is answered', async (t) => {
  const gw = await gatewayWithMock(t, 'openai', { ...FAST_RETRIES, UPSTREAM_RETRIES: '2' })
  gw.mock.respond(openAIMock.error(500, 'boom'))
  const res = await gw.chat(hello)
  t.equal(res.statusCode, 502)
  t.match(res.json(), openAIErrorLike('Provider openai failed (HTTP 500): boom', 'api_error'))
  t.equal(gw.mock.requests.length, 3, 'the first attempt and two retries')
  t.match(gw.usage[0], { status: 502, attempts: 3 })
})

test('a request the provider refuses (4xx) is neither retried nor sent to a fallback', async (t) => {
  const gw = await twoProviders(t)
  await gw.app.catalog.create({ id: 'openai/gpt-4o', fallbacks: ['deepseek/deepseek-chat'] })
  gw.mock.respond(openAIMock.error(400, 'bad messages'))
  const res = await gw.chat(hello)
  t.equal(res.statusCode, 400)
  t.equal(gw.mock.requests.length, 1)
  t.equal(gw.deepseek.requests.length, 0)
})

test('a 429 is retried after a short Retry-After; a long Retry-After is passed on without waiting', async (t) => {
  const gw = await gatewayWithMock(t, 'openai', { ...FAST_RETRIES, UPSTREAM_RETRY_MAX_WAIT_MS: '1000' })
  gw.mock.respond(openAIMock.error(429, 'slow down', { 'retry-after': '0' }), openAIMock.answer({ content: 'ok' }))
  t.equal((await gw.chat(hello)).statusCode, 200)
  t.equal(gw.mock.requests.length, 2)

  gw.mock.respond(openAIMock.error(429, 'slow down', { 'retry-after': '60' }))
  const limited = await gw.chat(hello)
  t.equal(limited.statusCode, 429)
  t.equal(limited.headers['retry-after'], '60')
  t.equal(gw.mock.requests.length, 3, 'no retry: the provider asked for longer than UPSTREAM_RETRY_MAX_WAIT_MS')
})

test('a stream is retried until it starts, never after', async (t) => {
  const gw = await gatewayWithMock(t, 'openai', FAST_RETRIES)
  gw.mock.respond(openAIMock.error(502, 'bad gateway'), openAIMock.answer({ content: 'streamed' }))
  const res = await gw.chat({ ...hello, stream: true })
  t.equal(res.statusCode, 200)
  t.equal(sseData(res.body).at(-1), '[DONE]')
  t.equal(gw.mock.requests.length, 2)

  gw.mock.respond(openAIMock.answer({ content: 'abcdef' }, { dieAfter: 2 }))
  const broken = await gw.chat({ ...hello, stream: true })
  t.equal(broken.statusCode, 200)
  t.match(JSON.parse(sseData(broken.body).at(-1) ?? '{}'), { error: { type: 'api_error', code: 'HUB_UPSTREAM_FAILED' } })
  t.equal(gw.mock.requests.length, 3, 'a stream that broke after it started is not replayed')
})

test('fallbacks are tried in catalog order, skipping those the key may not use; usage names the model used', async (t) => {
  const gw = await twoProviders(t, { UPSTREAM_RETRIES: '1' })
  await gw.app.catalog.create({ id: 'openai/gpt-4o', fallbacks: ['openai/gpt-4o-mini', 'deepseek/deepseek-chat'] })
  const { key } = await issueKey(gw.app, { scopes: ['chat'], models: ['openai/gpt-4o', 'deepseek/*'] })
  gw.mock.respond(openAIMock.error(500, 'down'))
  const res = await gw.app.inject({ method: 'POST', url: '/api/v2/chat/completions', headers: bearer(key), payload: hello })
  t.equal(res.statusCode, 200)
  t.equal(res.json().choices[0].message.content, 'from deepseek')
  t.same(gw.mock.requests.map((r) => r.body.model), ['gpt-4o', 'gpt-4o'], 'gpt-4o-mini is not allowed for this key, so never tried')
  t.equal(gw.deepseek.requests[0]?.body.model, 'deepseek-chat')
  t.equal(gw.usage.length, 1)
  t.match(gw.usage[0], { model: 'deepseek/deepseek-chat', requestedModel: 'openai/gpt-4o', provider: 'deepseek', upstreamModel: 'deepseek-chat', status: 200, attempts: 3 })
  t.match(await metrics(gw), /hubgate_upstream_fallbacks_total\{requested="openai\/gpt-4o",model="deepseek\/deepseek-chat"\} 1/)

  // a key limited to the requested model gets no fallback at all
  const { key: narrow } = await issueKey(gw.app, { scopes: ['chat'], models: ['openai/gpt-4o'] })
  const failed = await gw.app.inject({ method: 'POST', url: '/api/v2/chat/completions', headers: bearer(narrow), payload: hello })
  t.equal(failed.statusCode, 502)
  t.equal(gw.deepseek.requests.length, 1, 'deepseek was not asked for the narrow key')
})

test('a provider failing BREAKER_FAILURES times in a row is skipped: 503 with Retry-After, readiness and metrics show it open', async (t) => {
  const gw = await gatewayWithMock(t, 'openai', { UPSTREAM_RETRIES: '0', BREAKER_FAILURES: '2', BREAKER_COOLDOWN_MS: '60000' })
  gw.mock.respond(openAIMock.error(500, 'down'))
  t.same(await ready(gw), { openai: 'closed' })
  t.equal((await gw.chat(hello)).statusCode, 502)
  t.equal((await gw.chat(hello)).statusCode, 502)
  const refused = await gw.chat(hello)
  t.equal(refused.statusCode, 503)
  t.match(refused.headers['retry-after'], /^\d+$/)
  t.ok(Number(refused.headers['retry-after']) > 0 && Number(refused.headers['retry-after']) <= 60)
  t.match(refused.json(), openAIErrorLike(/^Provider openai is temporarily unavailable after repeated failures/, 'api_error'))
  t.equal(gw.mock.requests.length, 2, 'the open circuit kept the third call from the provider')
  t.match(gw.usage[2], { status: 503, attempts: 0 })
  t.same(await ready(gw), { openai: 'open' }, 'readiness stays 200 and names the open breaker')
  t.match(await metrics(gw), /hubgate_provider_breaker_state\{provider="openai"\} 1/)

  const stream = await gw.chat({ ...hello, stream: true })
  t.equal(stream.statusCode, 503, 'a stream is refused the same way, before it starts')
})

test('an open circuit sends calls straight to the fallback', async (t) => {
  const gw = await twoProviders(t, { UPSTREAM_RETRIES: '0', BREAKER_FAILURES: '1', BREAKER_COOLDOWN_MS: '60000' })
  await gw.app.catalog.create({ id: 'openai/gpt-4o', fallbacks: ['deepseek/deepseek-chat'] })
  gw.mock.respond(openAIMock.error(503, 'down'))
  t.equal((await gw.chat(hello)).statusCode, 200, 'first call: openai fails, deepseek answers')
  t.equal((await gw.chat(hello)).statusCode, 200)
  t.equal(gw.mock.requests.length, 1, 'the second call did not try openai')
  t.equal(gw.deepseek.requests.length, 2)
  t.match(gw.usage[1], { model: 'deepseek/deepseek-chat', attempts: 1 })
})

test('after the cooldown one probe goes through; its success closes the circuit, its failure opens it again', async (t) => {
  const gw = await gatewayWithMock(t, 'openai', { UPSTREAM_RETRIES: '0', BREAKER_FAILURES: '1', BREAKER_COOLDOWN_MS: '100' })
  gw.mock.respond(openAIMock.error(500, 'down'))
  await gw.chat(hello)
  t.same(await ready(gw), { openai: 'open' })
  await new Promise((resolve) => setTimeout(resolve, 150))
  t.same(await ready(gw), { openai: 'half-open' })
  t.match(await metrics(gw), /hubgate_provider_breaker_state\{provider="openai"\} 2/)
  t.equal((await gw.chat(hello)).statusCode, 502, 'the probe went through and failed')
  t.same(await ready(gw), { openai: 'open' })

  await new Promise((resolve) => setTimeout(resolve, 150))
  gw.mock.respond(openAIMock.answer({ content: 'back' }))
  t.equal((await gw.chat(hello)).statusCode, 200, 'the probe succeeded')
  t.same(await ready(gw), { openai: 'closed' })
  t.equal(gw.mock.requests.length, 3)
})

test('a fallback\'s usage is charged at the fallback\'s price, in the budget and in the usage record alike', async (t) => {
  const gw = await twoProviders(t, { UPSTREAM_RETRIES: '0' })
  await gw.app.catalog.create({ id: 'openai/gpt-4o', inputRate: 1000, outputRate: 1000, fallbacks: ['deepseek/deepseek-chat'] })
  await gw.app.catalog.create({ id: 'deepseek/deepseek-chat', inputRate: 1, outputRate: 2 })
  const { id, key } = await issueKey(gw.app, { scopes: ['chat'], creditLimit: 100 })
  gw.mock.respond(openAIMock.error(500, 'down'))
  const res = await gw.app.inject({ method: 'POST', url: '/api/v2/chat/completions', headers: bearer(key), payload: hello })
  t.equal(res.statusCode, 200)
  const expected = (9 * 1 + 12 * 2) / 1e6 // the deepseek mock's usage at deepseek's rates
  t.equal(await gw.app.metering.ledger.used(id, '1970-01-01T00:00:00.000Z'), expected, 'the budget')
  await gw.app.metering.recorder.flush()
  t.equal(await gw.app.store.usage.spentSince(id, '1970-01-01T00:00:00.000Z'), expected, 'the usage record')
})
