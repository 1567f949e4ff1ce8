import { test } from 'tap'
import { anthropicMock } from '../../helpers/mock-anthropic.js'
import { openAIMock } from '../../helpers/mock-openai.js'
import { gatewayWithMock } from '../../helpers/gateway.js'
import { issueKey, UNAUTHORIZED } from '../../helpers/build.js'

/* An attacker holding a key: every limit of the key holds on the Anthropic routes, passed through or translated. */

const message = (model: string, extra: Record<string, unknown> = {}): Record<string, unknown> =>
  ({ model, max_tokens: 1000, messages: [{ role: 'user', content: 'Hello there' }], ...extra })

test('a key limited to openai/* cannot reach Claude, by provider/model or by bare name', async (t) => {
  const gw = await gatewayWithMock(t, 'anthropic', {}, '')
  gw.mock.respond(anthropicMock.answer({ text: 'no' }))
  const { key } = await issueKey(gw.app, { scopes: ['chat'], models: ['openai/*'] })
  for (const model of ['anthropic/claude-sonnet-4-5', 'claude-sonnet-4-5']) {
    for (const url of ['/v1/messages', '/v1/messages/count_tokens']) {
      const res = await gw.app.inject({ method: 'POST', url, headers: { 'x-api-key': key }, payload: message(model) })
      t.equal(res.statusCode, 401, `${url} ${model}`)
      t.same(res.json(), UNAUTHORIZED)
    }
  }
  const noChat = await issueKey(gw.app, { scopes: ['embeddings'] })
  const scoped = await gw.app.inject({ method: 'POST', url: '/v1/messages', headers: { 'x-api-key': noChat.key }, payload: message('anthropic/claude-sonnet-4-5') })
  t.equal(scoped.statusCode, 401, 'the chat scope is needed')
  t.equal(gw.mock.requests.length, 0, 'nothing went upstream')
})

test('a key out of credit is refused before anything goes upstream, streamed or not, passed through or translated', async (t) => {
  for (const [provider, model, basePath] of [['anthropic', 'anthropic/claude-sonnet-4-5', ''], ['openai', 'openai/gpt-4o-mini', '/v1']] as const) {
    const gw = await gatewayWithMock(t, provider, {}, basePath)
    gw.mock.respond(provider === 'anthropic' ? anthropicMock.answer({ text: 'x' }) : openAIMock.answer({ content: 'x' }))
    await gw.app.catalog.create({ id: model, inputRate: 1000, outputRate: 1000 })
    // 1000 completion tokens at 1000 credits per million: 1 credit, more than the key has
    const { key } = await issueKey(gw.app, { scopes: ['chat'], creditLimit: 0.5 })
    for (const stream of [true, false]) {
      const res = await gw.app.inject({ method: 'POST', url: '/v1/messages', headers: { 'x-api-key': key }, payload: message(model, { stream }) })
      t.equal(res.statusCode, 402, `${model} stream=${String(stream)}`)
      t.match(res.json(), { type: 'error', error: { type: 'billing_error', message: /Credit limit/ } })
    }
    t.equal(gw.mock.requests.length, 0, 'nothing went upstream')
    t.equal(gw.usage.length, 2, 'each refusal is still recorded')
    t.ok(gw.usage.every((e) => e.status === 402))
  }
})

test('server tools are refused for a key with a credit limit (billed per use, beyond the catalog rates)', async (t) => {
  const gw = await gatewayWithMock(t, 'anthropic', {}, '')
  await gw.app.catalog.create({ id: 'anthropic/claude-sonnet-4-5', inputRate: 1, outputRate: 1 })
  const { key } = await issueKey(gw.app, { scopes: ['chat'], creditLimit: 100 })
  const res = await gw.app.inject({
    method: 'POST', url: '/v1/messages', headers: { 'x-api-key': key },
    payload: message('anthropic/claude-sonnet-4-5', { tools: [{ type: 'web_search_20250305', name: 'web_search', max_uses: 50 }] })
  })
  t.equal(res.statusCode, 400)
  t.match(res.json().error, { type: 'invalid_request_error', message: /body\/tools\/0: this field changes what the provider charges/ })
  t.equal(gw.mock.requests.length, 0)
})

test('maxConcurrent holds for a relayed stream; tokens per minute for a passed-through call', async (t) => {
  const gw = await gatewayWithMock(t, 'anthropic', {}, '')
  const { key } = await issueKey(gw.app, { scopes: ['chat'], maxConcurrent: 1 })
  gw.mock.respond(anthropicMock.answer({ text: 'one two three' }, { hangAfter: 3 }), anthropicMock.answer({ text: 'late' }))
  const address = await gw.app.listen({ port: 0, host: '127.0.0.1' })
  const controller = new AbortController()
  const first = await fetch(`${address}/v1/messages`, {
    method: 'POST', headers: { 'x-api-key': key, 'content-type': 'application/json' }, body: JSON.stringify(message('anthropic/claude-sonnet-4-5', { stream: true })), signal: controller.signal
  })
  t.equal(first.status, 200, 'the first stream is open')
  const second = await gw.app.inject({ method: 'POST', url: '/v1/messages', headers: { 'x-api-key': key }, payload: message('anthropic/claude-sonnet-4-5') })
  t.equal(second.statusCode, 429)
  t.match(second.json(), { type: 'error', error: { type: 'rate_limit_error', message: /maxConcurrent/ } })
  controller.abort()
  await gw.mock.abandoned()

  const limited = await issueKey(gw.app, { scopes: ['chat'], tpm: 100 })
  const tooBig = await gw.app.inject({ method: 'POST', url: '/v1/messages', headers: { 'x-api-key': limited.key }, payload: message('anthropic/claude-sonnet-4-5') })
  t.equal(tooBig.statusCode, 429, 'max_tokens 1000 cannot fit in 100 tokens a minute')
  t.equal(tooBig.json().error.type, 'rate_limit_error')
  t.equal(gw.mock.requests.length, 1, 'only the first stream went upstream')
})

test('huge or absurd bodies get a clear 4xx in Anthropic\'s shape, never a 500', async (t) => {
  const gw = await gatewayWithMock(t, 'anthropic', { CHAT_BODY_LIMIT: '200000' }, '')
  const send = async (payload: unknown): Promise<Awaited<ReturnType<typeof gw.app.inject>>> =>
    await gw.app.inject({ method: 'POST', url: '/v1/messages', headers: { 'x-api-key': gw.key, 'content-type': 'application/json' }, payload: payload as string })

  const huge = await send(message('anthropic/claude-sonnet-4-5', { messages: [{ role: 'user', content: 'x'.repeat(250_000) }] }))
  t.equal(huge.statusCode, 413)
  t.match(huge.json(), { type: 'error', error: { type: 'request_too_large' } })

  let deep: unknown = 'x'
  for (let i = 0; i < 100; i++) deep = [deep]
  const nested = await send(message('anthropic/claude-sonnet-4-5', { metadata: { deep } }))
  t.equal(nested.statusCode, 400)
  t.match(nested.json().error.message, /nests deeper/)

  const many = await send(message('anthropic/claude-sonnet-4-5', { messages: Array.from({ length: 4097 }, () => ({ role: 'user', content: '' })) }))
  t.equal(many.statusCode, 400)

  const longModel = await send(message(`anthropic/${'a'.repeat(300)}`))
  t.equal(longModel.statusCode, 400)
  t.match(longModel.json().error.type, 'invalid_request_error')

  const longBeta = await gw.app.inject({ method: 'POST', url: '/v1/messages', headers: { 'x-api-key': gw.key, 'anthropic-beta': 'a'.repeat(2000) }, payload: message('anthropic/claude-sonnet-4-5') })
  t.equal(longBeta.statusCode, 400)

  const notJson = await send('{"model": ')
  t.equal(notJson.statusCode, 400)
  t.equal(notJson.json().type, 'error')

  const badBlocks = await send(message('openai/gpt-4o-mini', { messages: [{ role: 'assistant', content: [{ type: 'tool_use', id: 'x', name: 'y', input: [1] }] }] }))
  t.equal(badBlocks.statusCode, 400)
  t.equal(gw.mock.requests.length, 0)
})
