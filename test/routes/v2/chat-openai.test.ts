import { test } from 'tap'
import { openAIChunks, openAICompletion, openAIMock } from '../../helpers/mock-openai.js'
import { gatewayWithMock, PROVIDER_KEYS, sseChunks, sseData, streamedText } from '../../helpers/gateway.js'

const hello = { model: 'openai/gpt-4o', messages: [{ role: 'user', content: 'Hello, AIGNE Hub!' }] }

test('a non-streamed completion is relayed byte for byte, with the upstream model name swapped in', async (t) => {
  const gw = await gatewayWithMock(t, 'openai')
  gw.mock.respond(openAIMock.answer({ content: 'Hi there!' }))
  const res = await gw.chat(hello)
  t.equal(res.statusCode, 200)
  t.match(res.headers['content-type'], /^application\/json/)
  t.same(res.json(), openAICompletion({ content: 'Hi there!' }))
  t.equal(res.body, JSON.stringify(openAICompletion({ content: 'Hi there!' })), 'no re-serialization')
  const upstream = gw.mock.requests[0]
  t.equal(upstream?.url, '/chat/completions')
  t.equal(upstream?.body.model, 'gpt-4o')
  t.same(upstream?.body.messages, hello.messages)
  t.equal(upstream?.body.stream, false)
})

test('the provider credential is sent upstream and the client\'s key never is', async (t) => {
  const gw = await gatewayWithMock(t, 'openai')
  gw.mock.respond(openAIMock.answer({ content: 'ok' }))
  await gw.chat(hello, { 'x-api-key': 'client-extra', cookie: 'a=b' })
  const headers = gw.mock.requests[0]?.headers ?? {}
  t.equal(headers.authorization, `Bearer ${PROVIDER_KEYS.openai}`)
  t.notOk(JSON.stringify(headers).includes(gw.key), 'client key absent')
  t.equal(headers['x-api-key'], undefined)
  t.equal(headers.cookie, undefined)
})

test('unknown top-level fields pass through to OpenAI-compatible providers', async (t) => {
  const gw = await gatewayWithMock(t, 'openai')
  gw.mock.respond(openAIMock.answer({ content: 'ok' }))
  const res = await gw.chat({ ...hello, logprobs: true, presence_penalty: 0.5, reasoning_effort: 'low', metadata: { team: 'x' } })
  t.equal(res.statusCode, 200)
  t.match(gw.mock.requests[0]?.body, { logprobs: true, presence_penalty: 0.5, reasoning_effort: 'low', metadata: { team: 'x' } })
})

test('streaming relays chunks, asks upstream for usage, and hides the usage chunk from a client that did not ask', async (t) => {
  const gw = await gatewayWithMock(t, 'openai')
  gw.mock.respond(openAIMock.answer({ content: 'Streaming works fine.' }, { pieceSize: 7 }))
  const res = await gw.chat({ ...hello, stream: true })
  t.equal(res.statusCode, 200)
  t.match(res.headers['content-type'], /^text\/event-stream/)
  t.same(gw.mock.requests[0]?.body.stream_options, { include_usage: true })
  const data = sseData(res.body)
  t.equal(data.at(-1), '[DONE]')
  const chunks = sseChunks(res.body)
  t.equal(streamedText(chunks), 'Streaming works fine.')
  t.notOk(chunks.some((c) => c.choices.length === 0), 'no usage-only chunk')
  // relayed untouched: every chunk is exactly the upstream's text
  const upstream = openAIChunks({ content: 'Streaming works fine.' }, true)
  t.same(data.slice(0, -1), upstream.slice(0, -1))
  t.equal(gw.usage.length, 1)
  t.match(gw.usage[0], { promptTokens: 9, completionTokens: 12, totalTokens: 21, streamed: true, status: 200, clientAborted: false })
})

test('a client that asks for usage gets the usage chunk before [DONE]', async (t) => {
  const gw = await gatewayWithMock(t, 'openai')
  gw.mock.respond(openAIMock.answer({ content: 'counted', usage: { prompt_tokens: 5, completion_tokens: 2 } }, { pieceSize: 1 }))
  const res = await gw.chat({ ...hello, stream: true, stream_options: { include_usage: true } })
  const chunks = sseChunks(res.body)
  const last = chunks.at(-1)
  t.same(last.choices, [])
  t.match(last.usage, { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 })
  t.equal(sseData(res.body).at(-1), '[DONE]')
})

test('streamed tool calls arrive as OpenAI sends them', async (t) => {
  const gw = await gatewayWithMock(t, 'openai')
  const toolCalls = [{ id: 'call_1', name: 'get_weather', arguments: '{"city":"Zürich"}' }]
  gw.mock.respond(openAIMock.answer({ toolCalls }, { pieceSize: 5 }))
  const tools = [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }]
  const res = await gw.chat({ ...hello, stream: true, tools, tool_choice: 'auto' })
  const chunks = sseChunks(res.body)
  const args = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []).map((tc: any) => tc.function?.arguments ?? '').join('')
  t.equal(args, '{"city":"Zürich"}')
  t.equal(chunks.at(-1).choices[0].finish_reason, 'tool_calls')
  t.same(gw.mock.requests[0]?.body.tools, tools)
})

test('a non-streamed call emits one usage event with the counts', async (t) => {
  const gw = await gatewayWithMock(t, 'openai')
  gw.mock.respond(openAIMock.answer({ content: 'x', usage: { prompt_tokens: 3, completion_tokens: 4 } }))
  await gw.chat(hello)
  t.equal(gw.usage.length, 1)
  const event = gw.usage[0]
  t.match(event, {
    model: 'openai/gpt-4o', provider: 'openai', upstreamModel: 'gpt-4o', promptTokens: 3, completionTokens: 4, totalTokens: 7,
    streamed: false, status: 200, clientAborted: false
  })
  t.equal(event?.error, undefined)
  t.type(event?.requestId, 'string')
  t.type(event?.latencyMs, 'number')
})
