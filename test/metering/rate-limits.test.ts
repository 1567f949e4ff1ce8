import { test } from 'tap'
import { openAIMock } from '../helpers/mock-openai.js'
import { bearer, issueKey } from '../helpers/build.js'
import { gatewayWithMock } from '../helpers/gateway.js'
import { openAIErrorLike } from '../helpers/openai-error.js'

const body = { model: 'openai/gpt-4o-mini', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] }

test('rpm: a key gets x-ratelimit-* headers and 429 with Retry-After past its requests per minute', async (t) => {
  const gw = await gatewayWithMock(t, 'openai')
  gw.mock.respond(openAIMock.answer({ content: 'ok' }))
  const { key } = await issueKey(gw.app, { scopes: ['chat'], rpm: 3 })
  const send = async () => await gw.app.inject({ method: 'POST', url: '/api/v2/chat/completions', headers: bearer(key), payload: body })
  const first = await send()
  t.equal(first.statusCode, 200)
  t.equal(first.headers['x-ratelimit-limit'], '3')
  t.equal(first.headers['x-ratelimit-remaining'], '2')
  t.ok(Number(first.headers['x-ratelimit-reset']) > 0)
  await send()
  await send()
  const limited = await send()
  t.equal(limited.statusCode, 429)
  t.ok(Number(limited.headers['retry-after']) > 0, 'Retry-After given')
  t.same(Object.keys(limited.json()).sort(), ['error', 'message'])
  t.match(limited.json(), openAIErrorLike(/3 requests per minute/, 'rate_limit_error'))
  t.equal(gw.mock.requests.length, 3, 'the refused request did not reach the provider')

  const other = await issueKey(gw.app, { scopes: ['chat'] })
  const free = await gw.app.inject({ method: 'POST', url: '/api/v2/chat/completions', headers: bearer(other.key), payload: body })
  t.equal(free.statusCode, 200, 'limits are per key')
  t.equal(free.headers['x-ratelimit-limit'], undefined, 'an unlimited key is not counted')
})

test('tpm: tokens per minute are reserved up front and settled to real counts', async (t) => {
  const gw = await gatewayWithMock(t, 'openai')
  gw.mock.respond(openAIMock.answer({ content: 'ok', usage: { prompt_tokens: 10, completion_tokens: 10 } }))
  // each request reserves its prompt bytes + max_tokens (50); after the call only 20 real tokens stay counted
  const { key } = await issueKey(gw.app, { scopes: ['chat'], tpm: 120 })
  const send = async (maxTokens: number) => await gw.app.inject({ method: 'POST', url: '/api/v2/chat/completions', headers: bearer(key), payload: { ...body, max_tokens: maxTokens } })
  t.equal((await send(50)).statusCode, 200)
  t.equal((await send(50)).statusCode, 200, 'fits because the first call was settled to 20 tokens')
  const limited = await send(100)
  t.equal(limited.statusCode, 429)
  t.ok(Number(limited.headers['retry-after']) >= 1)
  t.match(limited.json().message, /120 tokens per minute/)
})
