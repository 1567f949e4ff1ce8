import { once } from 'node:events'
import { request } from 'node:http'
import type { AddressInfo } from 'node:net'
import OpenAI from 'openai'
import { test } from 'tap'
import type { FastifyInstance } from 'fastify'
import type { UsageEvent } from '#gateway/usage-events.js'
import { anthropicMock } from '../../helpers/mock-anthropic.js'
import { openAIMock } from '../../helpers/mock-openai.js'
import { gatewayWithMock } from '../../helpers/gateway.js'

async function listen (app: FastifyInstance): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' })
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
}

async function sdkFor (app: FastifyInstance, key: string): Promise<OpenAI> {
  return new OpenAI({ apiKey: key, baseURL: `${await listen(app)}/api/v2`, maxRetries: 0 })
}

const weatherTool = {
  type: 'function' as const,
  function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } }
}

test('the official openai SDK: chat, streaming, tools and errors against a listening gateway', async (t) => {
  const gw = await gatewayWithMock(t, 'openai')
  const client = await sdkFor(gw.app, gw.key)

  gw.mock.respond(openAIMock.answer({ content: 'Hello from the mock.' }))
  const completion = await client.chat.completions.create({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'Hello, AIGNE Hub!' }] })
  t.equal(completion.choices[0]?.message.content, 'Hello from the mock.')
  t.equal(completion.usage?.total_tokens, 21)

  gw.mock.respond(openAIMock.answer({ content: 'Streamed over SSE.' }, { pieceSize: 3 }))
  const stream = await client.chat.completions.create({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], stream: true, stream_options: { include_usage: true } })
  let text = ''
  let usage
  for await (const chunk of stream) {
    text += chunk.choices[0]?.delta.content ?? ''
    usage = chunk.usage ?? usage
  }
  t.equal(text, 'Streamed over SSE.')
  t.equal(usage?.total_tokens, 21)

  gw.mock.respond(openAIMock.answer({ toolCalls: [{ id: 'call_7', name: 'get_weather', arguments: '{"city":"Lima"}' }] }))
  const withTools = await client.chat.completions.create({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'weather?' }], tools: [weatherTool] })
  t.same(withTools.choices[0]?.message.tool_calls?.[0], { id: 'call_7', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Lima"}' } })

  gw.mock.respond(openAIMock.error(400, 'Invalid value for temperature'))
  const failure = await client.chat.completions.create({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }).catch((err: unknown) => err)
  t.ok(failure instanceof OpenAI.BadRequestError)
  t.equal((failure as InstanceType<typeof OpenAI.APIError>).status, 400)

  const unknown = await client.chat.completions.create({ model: 'nope/x', messages: [{ role: 'user', content: 'hi' }] }).catch((err: unknown) => err)
  t.equal((unknown as InstanceType<typeof OpenAI.APIError>).status, 400)
})

test('the openai SDK streams tool calls translated from Anthropic, and its stream helper assembles them', async (t) => {
  const gw = await gatewayWithMock(t, 'anthropic', {}, '')
  const client = await sdkFor(gw.app, gw.key)
  gw.mock.respond(anthropicMock.answer({ text: 'Looking it up. ', toolUses: [{ id: 'toolu_5', name: 'get_weather', input: { city: 'Lima' } }] }, { pieceSize: 4 }))
  const runner = client.chat.completions.stream({ model: 'anthropic/claude-sonnet-4-5', messages: [{ role: 'user', content: 'weather?' }], tools: [weatherTool] })
  const final = await runner.finalChatCompletion()
  const message = final.choices[0]?.message
  t.equal(message?.content, 'Looking it up. ')
  t.same(message?.tool_calls?.map((c) => c.type === 'function' ? [c.id, c.function.name, c.function.arguments] : []), [['toolu_5', 'get_weather', '{"city":"Lima"}']])
  t.equal(final.choices[0]?.finish_reason, 'tool_calls')
})

test('a mid-stream upstream failure surfaces as an error in the openai SDK', async (t) => {
  const gw = await gatewayWithMock(t, 'anthropic', {}, '')
  const client = await sdkFor(gw.app, gw.key)
  gw.mock.respond(anthropicMock.failMidStream({ text: 'partial answer here' }, 5, 'api_error', 'Internal server error'))
  const stream = await client.chat.completions.create({ model: 'anthropic/claude-sonnet-4-5', messages: [{ role: 'user', content: 'hi' }], stream: true })
  const err = await (async () => { for await (const _ of stream) { /* drain */ } })().catch((e: unknown) => e)
  t.ok(err instanceof OpenAI.APIError)
  t.match((err as Error).message, /Provider anthropic failed during the answer: Internal server error/)
})

test('models.list in the openai SDK shows what the key may use', async (t) => {
  const gw = await gatewayWithMock(t, 'openai', { OPENAI_MODELS: 'gpt-4o,gpt-4o-mini' })
  const client = await sdkFor(gw.app, gw.key)
  const ids: string[] = []
  for await (const model of client.models.list()) ids.push(model.id)
  t.same(ids, ['openai/gpt-4o', 'openai/gpt-4o-mini'])
  const one = await client.models.retrieve('openai/gpt-4o')
  t.same(one, { id: 'openai/gpt-4o', object: 'model', created: 0, owned_by: 'openai' })
})

test('a client that disconnects mid-stream aborts the upstream request', async (t) => {
  const gw = await gatewayWithMock(t, 'openai')
  const base = await listen(gw.app)
  gw.mock.respond(openAIMock.answer({ content: 'a long answer that never ends' }, { hangAfter: 2 }))
  const usage = once(gw.app.usageEvents, 'usage') as Promise<[UsageEvent]>
  const req = request(`${base}/api/v2/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${gw.key}`, 'content-type': 'application/json' }
  })
  req.end(JSON.stringify({ model: 'openai/gpt-4o', stream: true, messages: [{ role: 'user', content: 'hi' }] }))
  const [res] = await once(req, 'response') as [import('node:http').IncomingMessage]
  t.equal(res.statusCode, 200)
  await once(res, 'data') // the stream has started
  req.destroy()
  await gw.mock.abandoned() // the mock saw its response closed before it finished
  const [event] = await usage
  t.match(event, { clientAborted: true, streamed: true, status: 200, provider: 'openai' })
  t.equal(event.error, undefined, 'a client leaving is not an upstream error')
})

test('a client that leaves while a non-streamed answer is pending aborts the upstream request', async (t) => {
  const gw = await gatewayWithMock(t, 'openai')
  const base = await listen(gw.app)
  let received: () => void = () => {}
  const upstreamGotIt = new Promise<void>((resolve) => { received = resolve })
  gw.mock.respond(() => { received() }) // never answers
  const usage = once(gw.app.usageEvents, 'usage') as Promise<[UsageEvent]>
  const req = request(`${base}/api/v2/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${gw.key}`, 'content-type': 'application/json' } })
  req.on('error', () => {})
  req.end(JSON.stringify({ model: 'openai/gpt-4o', messages: [{ role: 'user', content: 'hi' }] }))
  await upstreamGotIt
  req.destroy()
  await gw.mock.abandoned()
  const [event] = await usage
  t.match(event, { clientAborted: true, streamed: false, status: 499 })
})
