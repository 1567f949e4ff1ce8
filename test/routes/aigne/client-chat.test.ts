import { test } from 'tap'
import { adminCall, issueKey } from '../../helpers/build.js'
import { anthropicMock } from '../../helpers/mock-anthropic.js'
import { geminiMock } from '../../helpers/mock-gemini.js'
import { openAIMock } from '../../helpers/mock-openai.js'
import { eventually } from '../../helpers/wait.js'
import { gatewayWithMock } from '../../helpers/gateway.js'
import { chatModel, listen, readStream } from './setup.js'

const weatherTool = {
  type: 'function' as const,
  function: {
    name: 'get_weather',
    description: 'Current weather in a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] }
  }
}

test('the official client, non-streaming: text, usage and the model, through OpenAI; credits when the catalog prices the model', async (t) => {
  const gw = await gatewayWithMock(t, 'openai')
  const model = chatModel(await listen(gw.app), gw.key)

  gw.mock.respond(openAIMock.answer({ content: 'Hello from the mock.', usage: { prompt_tokens: 8, completion_tokens: 2 } }))
  const out = await model.invoke({ messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'hi' }], modelOptions: { temperature: 0.2 } })
  t.same(out, { text: 'Hello from the mock.', usage: { inputTokens: 8, outputTokens: 2 }, model: 'openai/gpt-4o-mini' })
  const upstream = gw.mock.requests.at(-1)?.body
  t.same(upstream, { model: 'gpt-4o-mini', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'hi' }], temperature: 0.2, stream: false },
    'the upstream got the translated request: the provider prefix gone, no AIGNE-only options')
  t.match(gw.usage.at(-1), { model: 'openai/gpt-4o-mini', promptTokens: 8, completionTokens: 2, streamed: false, status: 200 })

  const priced = await adminCall(gw.app, { method: 'POST', url: '/api/admin/models', payload: { id: 'openai/gpt-4o-mini', inputRate: 150, outputRate: 600 } })
  t.equal(priced.statusCode, 201)
  const charged = await model.invoke({ messages: [{ role: 'user', content: 'hi' }] })
  t.same(charged.usage, { inputTokens: 8, outputTokens: 2, aigneHubCredits: (8 * 150 + 2 * 600) / 1e6 })
})

test('the official client, streaming: the text arrives in pieces and joins exactly; usage comes last; no [DONE]', async (t) => {
  const gw = await gatewayWithMock(t, 'openai')
  const origin = await listen(gw.app)
  const text = 'Streamed over SSE, piece by piece: ünïcödé too.'
  gw.mock.respond(openAIMock.answer({ content: text }, { pieceSize: 3 }))

  const stream = await chatModel(origin, gw.key).invoke({ messages: [{ role: 'user', content: 'hi' }] }, { streaming: true })
  const read = await readStream(stream as ReadableStream)
  t.equal(read.text, text)
  t.ok(read.chunks > 3, 'several deltas, not one block')
  t.match(read.json, { model: 'openai/gpt-4o-mini', usage: { inputTokens: 9, outputTokens: 12 } })
  t.match(gw.usage.at(-1), { streamed: true, promptTokens: 9, completionTokens: 12 })

  // the wire itself, as the client parsed it
  const raw = await fetch(`${origin}/api/v2/chat`, {
    method: 'POST',
    headers: { authorization: `Bearer ${gw.key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ input: { messages: [{ role: 'user', content: 'hi' }], modelOptions: { model: 'openai/gpt-4o-mini' } }, agent: '$CHAT_MODEL', options: { streaming: true } })
  })
  t.match(raw.headers.get('content-type'), /^text\/event-stream/)
  const body = await raw.text()
  t.notMatch(body, /\[DONE\]/)
  t.notMatch(body, /^event:/m, 'unnamed events only')
  t.match(body, /^data: \{"delta":\{"json":\{"model":"openai\/gpt-4o-mini"\}\}\}\n\n/)
})

test('the official client: tool calls with object arguments both ways, translated through Anthropic', async (t) => {
  const gw = await gatewayWithMock(t, 'anthropic', {}, '')
  const model = chatModel(await listen(gw.app), gw.key, 'anthropic/claude-sonnet-4-5')

  gw.mock.respond(anthropicMock.answer({ toolUses: [{ id: 'toolu_01', name: 'get_weather', input: { city: 'Lima' } }] }))
  const out = await model.invoke({ messages: [{ role: 'user', content: 'Weather in Lima?' }], tools: [weatherTool], toolChoice: 'auto' })
  t.same(out.toolCalls, [{ id: 'toolu_01', type: 'function', function: { name: 'get_weather', arguments: { city: 'Lima' } } }])

  gw.mock.respond(anthropicMock.answer({ toolUses: [{ id: 'toolu_02', name: 'get_weather', input: { city: 'Quito' } }] }))
  const streamed = await readStream(await model.invoke({ messages: [{ role: 'user', content: 'And Quito?' }], tools: [weatherTool] }, { streaming: true }) as ReadableStream)
  t.same(streamed.json.toolCalls, [{ id: 'toolu_02', type: 'function', function: { name: 'get_weather', arguments: { city: 'Quito' } } }],
    'streamed tool-call fragments arrive as one complete call')

  gw.mock.respond(anthropicMock.answer({ text: 'It is 21°C in Lima.' }))
  const final = await model.invoke({
    messages: [
      { role: 'user', content: 'Weather in Lima?' },
      { role: 'agent', toolCalls: [{ id: 'toolu_01', type: 'function', function: { name: 'get_weather', arguments: { city: 'Lima' } } }] },
      { role: 'tool', toolCallId: 'toolu_01', content: '{"temp":21}' }
    ],
    tools: [weatherTool]
  })
  t.equal(final.text, 'It is 21°C in Lima.')
  const sent = gw.mock.requests.at(-1)?.body
  t.same(sent.messages.slice(1), [
    { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_01', name: 'get_weather', input: { city: 'Lima' } }] },
    { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_01', content: '{"temp":21}' }] }
  ], 'the agent turn became an assistant tool_use, the tool turn a tool_result')
})

test('the official client: structured output (json_schema) as `json`, through Gemini, streaming and not', async (t) => {
  const gw = await gatewayWithMock(t, 'gemini', {}, '')
  const model = chatModel(await listen(gw.app), gw.key, 'gemini/gemini-2.5-flash')
  const responseFormat = {
    type: 'json_schema' as const,
    jsonSchema: { name: 'weather', schema: { type: 'object', properties: { city: { type: 'string' }, temp: { type: 'number' } }, required: ['city', 'temp'] } }
  }

  gw.mock.respond(geminiMock.answer({ text: ['{"city":"Lima",', '"temp":21}'] }))
  const out = await model.invoke({ messages: [{ role: 'user', content: 'Weather as JSON' }], responseFormat })
  t.same(out.json, { city: 'Lima', temp: 21 })
  t.equal(out.text, undefined, 'the JSON document is not repeated as text')
  t.same(gw.mock.requests.at(-1)?.body.generationConfig.responseJsonSchema, responseFormat.jsonSchema.schema, 'the schema reached Gemini')

  const streamed = await readStream(await model.invoke({ messages: [{ role: 'user', content: 'Weather as JSON' }], responseFormat }, { streaming: true }) as ReadableStream)
  t.same(streamed.json.json, { city: 'Lima', temp: 21 })
  t.equal(streamed.text, '', 'in JSON mode the text is held back and sent parsed')
})

test('the official client surfaces the standard 401, upstream errors readably, and a failure in the middle of a stream', async (t) => {
  const gw = await gatewayWithMock(t, 'anthropic', {}, '')
  const origin = await listen(gw.app)

  const denied = await chatModel(origin, 'hgk_not-a-real-key').invoke({ messages: [{ role: 'user', content: 'hi' }] }).catch((err: Error) => err)
  t.ok(denied instanceof Error)
  t.match((denied as Error).message, 'with status 401: {"error":"Unauthorized","message":"Authentication token is invalid or missing."}')

  await gw.app.catalog.create({ id: 'anthropic/claude-sonnet-4-5', inputRate: 3, outputRate: 15 })
  const broke = await issueKey(gw.app, { scopes: ['chat'], creditLimit: 0.000001, creditPeriod: 'total' })
  const refused = await chatModel(origin, broke.key, 'anthropic/claude-sonnet-4-5').invoke({ messages: [{ role: 'user', content: 'hi' }] }).catch((err: Error) => err)
  t.match((refused as Error).message, /^Credit limit reached for this key/, 'a spent budget (402) reads as a message, not raw JSON')

  const model = chatModel(origin, gw.key, 'anthropic/claude-sonnet-4-5')
  gw.mock.respond(anthropicMock.error(400, 'invalid_request_error', 'max_tokens: must be at most 64000'))
  const rejected = await model.invoke({ messages: [{ role: 'user', content: 'hi' }] }).catch((err: Error) => err)
  t.equal((rejected as Error).message, 'max_tokens: must be at most 64000', 'the client shows error.message of the nested error body')
  t.equal((rejected as Error & { type?: string }).type, 'invalid_request_error')

  gw.mock.respond(anthropicMock.failMidStream({ text: 'Hello there, this will break' }, 5, 'overloaded_error', 'Overloaded'))
  const stream = await model.invoke({ messages: [{ role: 'user', content: 'hi' }] }, { streaming: true }) as ReadableStream
  let text = ''
  const failure = await (async () => {
    for await (const chunk of stream as unknown as AsyncIterable<any>) text += chunk.delta?.text?.text ?? ''
  })().catch((err: Error) => err)
  t.ok(failure instanceof Error, 'reading the stream fails')
  t.match((failure as Error).message, /Overloaded/)
  t.equal(text, 'Hello there, ', 'what arrived before the failure was delivered')
})

test('a caller that leaves in the middle of an AIGNE stream stops the upstream call', async (t) => {
  const gw = await gatewayWithMock(t, 'openai')
  const origin = await listen(gw.app)
  gw.mock.respond(openAIMock.answer({ content: 'This answer never finishes.' }, { hangAfter: 3 }))
  const controller = new AbortController()
  const res = await fetch(`${origin}/api/v2/chat`, {
    method: 'POST',
    signal: controller.signal,
    headers: { authorization: `Bearer ${gw.key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ input: { messages: [{ role: 'user', content: 'hi' }], modelOptions: { model: 'openai/gpt-4o-mini' } }, options: { streaming: true } })
  })
  const reader = (res.body as ReadableStream<Uint8Array>).getReader()
  let seen = ''
  while (!seen.includes('"text"')) seen += new TextDecoder().decode((await reader.read()).value)
  controller.abort()
  await gw.mock.abandoned()
  t.ok(await eventually(async () => gw.usage.at(-1)?.clientAborted === true), 'metered once, as abandoned by the client')
  t.equal(gw.usage.length, 1)
})
