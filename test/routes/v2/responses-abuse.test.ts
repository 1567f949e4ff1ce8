import type { AddressInfo } from 'node:net'
import { test } from 'tap'
import { bearer, issueKey } from '../../helpers/build.js'
import { gatewayWithMock, type Gateway } from '../../helpers/gateway.js'
import { openAIResponsesMock } from '../../helpers/mock-openai.js'
import { anthropicMock } from '../../helpers/mock-anthropic.js'
import { eventually } from '../../helpers/wait.js'
import { priced } from '../../metering/spend-bounds.js'
import { eventProblems, sseEvents } from '../../protocols/responses/spec/validate.js'

/* An attacker holding a key: every limit of chat holds for Responses, and no conversation crosses keys. */

async function post (gw: Gateway, payload: Record<string, unknown>, key = gw.key): Promise<Awaited<ReturnType<Gateway['chat']>>> {
  return await gw.app.inject({ method: 'POST', url: '/api/v2/responses', headers: bearer(key), payload })
}

const MODEL = 'anthropic/claude-sonnet-4-5'

test('item_reference resolves only this key\'s stored output items', async (t) => {
  const gw = await gatewayWithMock(t, 'anthropic')
  gw.mock.respond(anthropicMock.answer({ text: 'Forty-two.' }))
  const first = (await post(gw, { model: MODEL, input: 'The answer?' })).json()
  const itemId = first.output[0].id as string
  const next = await post(gw, { model: MODEL, input: [{ role: 'user', content: 'The answer?' }, { type: 'item_reference', id: itemId }, { role: 'user', content: 'Why?' }] })
  t.equal(next.statusCode, 200, next.body)
  const texts = (gw.mock.requests[1]?.body.messages as Array<{ role: string, content: Array<{ text: string }> }>).map((m) => m.content.map((c) => c.text).join(''))
  t.same(texts, ['The answer?', 'Forty-two.', 'Why?'])

  const other = await issueKey(gw.app, { scopes: ['chat'] })
  const stolen = await post(gw, { model: MODEL, input: [{ type: 'item_reference', id: itemId }, { role: 'user', content: 'Why?' }] }, other.key)
  t.equal(stolen.statusCode, 404)
  t.match(stolen.body, /not found/)
  t.equal(gw.mock.requests.length, 2)
})

test('huge input: 413 past CHAT_BODY_LIMIT, and a conversation past RESPONSES_MAX_STORED_BYTES is refused unless store: false', async (t) => {
  const gw = await gatewayWithMock(t, 'anthropic', { CHAT_BODY_LIMIT: '65536', RESPONSES_MAX_STORED_BYTES: '4096' })
  gw.mock.respond(anthropicMock.answer({ text: 'ok' }))
  t.equal((await post(gw, { model: MODEL, input: 'x'.repeat(70_000) })).statusCode, 413)
  const tooLong = await post(gw, { model: MODEL, input: 'y'.repeat(5000) })
  t.equal(tooLong.statusCode, 400)
  t.match(tooLong.body, /too long to store/)
  t.equal(gw.mock.requests.length, 0)
  t.equal((await post(gw, { model: MODEL, input: 'y'.repeat(5000), store: false })).statusCode, 200)
})

test('model patterns and scopes hold: the standard 401', async (t) => {
  const gw = await gatewayWithMock(t, 'anthropic')
  const openaiOnly = await issueKey(gw.app, { scopes: ['chat'], models: ['openai/*'] })
  t.equal((await post(gw, { model: MODEL, input: 'hi' }, openaiOnly.key)).statusCode, 401)
  const noChat = await issueKey(gw.app, { scopes: ['embeddings'] })
  t.equal((await post(gw, { model: MODEL, input: 'hi' }, noChat.key)).statusCode, 401)
  t.equal(gw.mock.requests.length, 0)
})

test('a credit budget holds: exhausted → 402, and a call naming no max_output_tokens is capped upstream (native too)', async (t) => {
  const gw = await gatewayWithMock(t, 'openai', { USAGE_DEFAULT_MAX_TOKENS: '64', USAGE_FLUSH_MS: '50' })
  await priced(gw.app, 'openai/gpt-4o-mini', { inputRate: 1_000_000, outputRate: 1_000_000 })
  const limited = await issueKey(gw.app, { scopes: ['chat'], creditLimit: 120 })
  gw.mock.respond(openAIResponsesMock.answer({ content: 'ok', usage: { prompt_tokens: 50, completion_tokens: 50 } }))
  const first = await post(gw, { model: 'openai/gpt-4o-mini', input: 'hi' }, limited.key)
  t.equal(first.statusCode, 200, first.body)
  t.equal(gw.mock.requests[0]?.body.max_output_tokens, 64, 'admission\'s cap reaches the native body')
  await eventually(async () => (await gw.app.store.db.selectFrom('usage_records').selectAll().execute()).length === 1)
  const second = await post(gw, { model: 'openai/gpt-4o-mini', input: 'hi' }, limited.key)
  t.equal(second.statusCode, 402, second.body)
  t.equal(gw.mock.requests.length, 1)
})

test('rpm and maxConcurrent apply to Responses calls', async (t) => {
  const gw = await gatewayWithMock(t, 'anthropic')
  gw.mock.respond(anthropicMock.answer({ text: 'ok' }))
  const slow = await issueKey(gw.app, { scopes: ['chat'], rpm: 1 })
  t.equal((await post(gw, { model: MODEL, input: 'hi' }, slow.key)).statusCode, 200)
  t.equal((await post(gw, { model: MODEL, input: 'hi' }, slow.key)).statusCode, 429)

  const single = await issueKey(gw.app, { scopes: ['chat'], maxConcurrent: 1 })
  gw.mock.respond(anthropicMock.answer({ text: 'one two three' }, { hangAfter: 3 }))
  await gw.app.listen({ port: 0, host: '127.0.0.1' })
  const url = `http://127.0.0.1:${(gw.app.server.address() as AddressInfo).port}/api/v2/responses`
  const leaving = new AbortController()
  const open = await fetch(url, {
    method: 'POST', headers: { ...bearer(single.key), 'content-type': 'application/json' }, signal: leaving.signal,
    body: JSON.stringify({ model: MODEL, input: 'hi', stream: true })
  })
  t.equal(open.status, 200, 'a stream holds the key\'s one slot')
  t.equal((await post(gw, { model: MODEL, input: 'hi' }, single.key)).statusCode, 429)
  leaving.abort()
  await open.body?.cancel().catch(() => undefined)
})

for (const provider of ['openai', 'anthropic'] as const) {
  test(`a stream cut mid-way (${provider}) ends with an error event and still records usage`, async (t) => {
    const gw = await gatewayWithMock(t, provider, { USAGE_FLUSH_MS: '50' })
    const answer = { content: 'one two three four five', text: 'one two three four five' }
    gw.mock.respond(provider === 'openai'
      ? openAIResponsesMock.answer(answer, { dieAfter: 6 })
      : anthropicMock.answer(answer, { dieAfter: 6 }))
    const res = await post(gw, { model: provider === 'openai' ? 'openai/gpt-4o-mini' : MODEL, input: 'count', stream: true })
    t.equal(res.statusCode, 200)
    const events = sseEvents(res.body)
    t.ok(events.some((e) => e.data.type === 'response.output_text.delta'), 'text came through before the cut')
    const error = events.find((e) => e.data.type === 'error')
    t.ok(error, 'the client is told')
    t.same(eventProblems(error?.data ?? {}), [])
    t.equal(events.at(-1)?.data.type === 'response.completed', false)
    await eventually(async () => (await gw.app.store.db.selectFrom('usage_records').selectAll().execute()).length === 1)
    const [record] = await gw.app.store.db.selectFrom('usage_records').selectAll().execute()
    t.ok((record?.completion_tokens ?? 0) > 0, 'what was relayed is charged')
    t.ok(record?.error !== null)
  })
}
