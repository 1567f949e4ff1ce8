import { test } from 'tap'
import { bearer, build, issueKey, type TestContext } from '../helpers/build.js'
import { AWS_CREDENTIAL, bedrockMock, eventFrame } from '../helpers/mock-bedrock.js'
import { startMock, type MockServer } from '../helpers/mock-server.js'
import { sseChunks, sseData, streamedText } from '../helpers/gateway.js'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'

const model = 'bedrock/us.amazon.nova-lite-v1:0'
const weatherTool = { type: 'function', function: { name: 'get_weather', description: 'Weather in a city', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }

interface BedrockGateway { app: FastifyInstance, mock: MockServer, usage: any[], chat: (payload: Record<string, unknown>) => Promise<LightMyRequestResponse> }

/** A gateway whose Bedrock (AWS_* variables) points at a loopback mock that checks every signature. */
async function bedrockGateway (t: TestContext, env: Record<string, string> = {}): Promise<BedrockGateway> {
  const mock = await startMock(t)
  const app = await build(t, {
    AWS_ACCESS_KEY_ID: AWS_CREDENTIAL.accessKeyId, AWS_SECRET_ACCESS_KEY: AWS_CREDENTIAL.secretAccessKey, AWS_REGION: AWS_CREDENTIAL.region, BEDROCK_BASE_URL: mock.url, ...env
  })
  const { key } = await issueKey(app, { scopes: ['chat'] })
  const usage: any[] = []
  app.usageEvents.on('usage', (event) => usage.push(event))
  const chat = async (payload: Record<string, unknown>): Promise<LightMyRequestResponse> =>
    await app.inject({ method: 'POST', url: '/api/v2/chat/completions', headers: bearer(key), payload })
  return { app, mock, usage, chat }
}

test('an OpenAI conversation becomes a SigV4-signed Converse request', async (t) => {
  const gw = await bedrockGateway(t)
  gw.mock.respond(bedrockMock.answer({ text: ['ok'] }))
  const res = await gw.chat({
    model,
    messages: [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: [{ type: 'text', text: 'Look:' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } }] },
      { role: 'assistant', content: null, tool_calls: [{ id: 'tooluse_a', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } }] },
      { role: 'tool', tool_call_id: 'tooluse_a', content: '{"temp":-3}' },
      { role: 'user', content: 'And tomorrow?' }
    ],
    tools: [weatherTool],
    tool_choice: 'required',
    temperature: 0.5,
    top_p: 0.8,
    max_tokens: 100,
    stop: ['###']
  })
  t.equal(res.statusCode, 200, res.body)
  const upstream = gw.mock.requests[0]
  t.equal(upstream?.url, '/model/us.amazon.nova-lite-v1%3A0/converse', 'the model id is encoded in the path')
  t.match(upstream?.headers.authorization, new RegExp(`^AWS4-HMAC-SHA256 Credential=${AWS_CREDENTIAL.accessKeyId}/\\d{8}/eu-west-1/bedrock/aws4_request, `))
  t.notOk(JSON.stringify(upstream?.headers).includes(AWS_CREDENTIAL.secretAccessKey), 'the secret key travels only as the signature')
  t.same(upstream?.body, {
    messages: [
      { role: 'user', content: [{ text: 'Look:' }, { image: { format: 'png', source: { bytes: 'iVBORw0KGgo=' } } }] },
      { role: 'assistant', content: [{ toolUse: { toolUseId: 'tooluse_a', name: 'get_weather', input: { city: 'Oslo' } } }] },
      { role: 'user', content: [{ toolResult: { toolUseId: 'tooluse_a', content: [{ text: '{"temp":-3}' }] } }, { text: 'And tomorrow?' }] }
    ],
    system: [{ text: 'Be brief.' }],
    inferenceConfig: { maxTokens: 100, temperature: 0.5, topP: 0.8, stopSequences: ['###'] },
    toolConfig: { tools: [{ toolSpec: { name: 'get_weather', description: 'Weather in a city', inputSchema: { json: weatherTool.function.parameters } } }], toolChoice: { any: {} } }
  })
})

test('a Converse answer becomes a chat.completion: tool calls, stop reason, usage with cache reads and writes', async (t) => {
  const gw = await bedrockGateway(t)
  gw.mock.respond(bedrockMock.answer({
    text: ['Checking.'],
    toolUses: [{ toolUseId: 'tooluse_1', name: 'get_weather', input: { city: 'Oslo' } }],
    usage: { inputTokens: 10, outputTokens: 4, cacheReadInputTokens: 100, cacheWriteInputTokens: 20 }
  }))
  const res = await gw.chat({ model, messages: [{ role: 'user', content: 'weather?' }], tools: [weatherTool] })
  const body = res.json()
  t.match(body, { object: 'chat.completion', model: 'us.amazon.nova-lite-v1:0' })
  t.equal(body.choices[0].finish_reason, 'tool_calls')
  t.equal(body.choices[0].message.content, 'Checking.')
  t.same(body.choices[0].message.tool_calls, [{ id: 'tooluse_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } }])
  t.same(body.usage, { prompt_tokens: 130, completion_tokens: 4, total_tokens: 134, prompt_tokens_details: { cached_tokens: 100, cache_write_tokens: 20 } })
  t.match(gw.usage.at(-1), { model, provider: 'bedrock', promptTokens: 130, completionTokens: 4, status: 200 })

  gw.mock.respond(bedrockMock.answer({ text: ['x'], stopReason: 'max_tokens' }), bedrockMock.answer({ text: ['x'], stopReason: 'guardrail_intervened' }))
  const hi = { model, messages: [{ role: 'user', content: 'hi' }] }
  t.equal((await gw.chat(hi)).json().choices[0].finish_reason, 'length')
  t.equal((await gw.chat(hi)).json().choices[0].finish_reason, 'content_filter')
})

test('ConverseStream frames split anywhere become OpenAI chunks: text, tool call pieces, finish, usage', async (t) => {
  const gw = await bedrockGateway(t)
  gw.mock.respond(bedrockMock.answer({
    text: ['Hel', 'lo'],
    toolUses: [{ toolUseId: 'tooluse_9', name: 'get_weather', input: { city: 'Oslo' } }],
    usage: { inputTokens: 9, outputTokens: 6, cacheReadInputTokens: 3 }
  }, { pieceSize: 7 }))
  const res = await gw.chat({ model, messages: [{ role: 'user', content: 'hi' }], tools: [weatherTool], stream: true, stream_options: { include_usage: true } })
  t.equal(res.statusCode, 200)
  t.equal(gw.mock.requests[0]?.url, '/model/us.amazon.nova-lite-v1%3A0/converse-stream')
  t.equal(gw.mock.requests[0]?.headers.accept, 'application/vnd.amazon.eventstream')
  const chunks = sseChunks(res.body)
  t.equal(streamedText(chunks), 'Hello')
  const calls = chunks.flatMap((c) => c.choices?.[0]?.delta?.tool_calls ?? [])
  t.match(calls[0], { index: 0, id: 'tooluse_9', type: 'function', function: { name: 'get_weather', arguments: '' } })
  t.equal(calls.map((c: any) => c.function.arguments).join(''), '{"city":"Oslo"}')
  t.equal(chunks.find((c) => c.choices?.[0]?.finish_reason != null)?.choices[0].finish_reason, 'tool_calls')
  t.same(chunks.at(-1).usage, { prompt_tokens: 12, completion_tokens: 6, total_tokens: 18, prompt_tokens_details: { cached_tokens: 3 } })
  t.equal(sseData(res.body).at(-1), '[DONE]')
  t.match(gw.usage.at(-1), { provider: 'bedrock', promptTokens: 12, completionTokens: 6, status: 200 })
})

test('an exception frame mid-stream ends the answer with the provider\'s message; a corrupt frame with a framing error', async (t) => {
  const gw = await bedrockGateway(t)
  gw.mock.respond(
    bedrockMock.frames([eventFrame('messageStart', { role: 'assistant' }), eventFrame('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'Hi' } }), eventFrame('throttlingException', { message: 'Too many tokens, please wait.' }, true)]),
    (req, res) => {
      const frame = eventFrame('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'Hi' } })
      frame.writeUInt8((frame.at(-1) as number) ^ 0xff, frame.length - 1) // the message CRC no longer matches
      return bedrockMock.frames([eventFrame('messageStart', { role: 'assistant' }), frame])(req, res)
    },
    bedrockMock.frames([eventFrame('messageStart', { role: 'assistant' }), eventFrame('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'cut' } })])
  )
  const hi = { model, messages: [{ role: 'user', content: 'hi' }], stream: true }
  const throttled = await gw.chat(hi)
  t.equal(streamedText(sseChunks(throttled.body).filter((c) => c.error === undefined)), 'Hi')
  t.match(sseChunks(throttled.body).at(-1), { error: { message: /Provider bedrock failed during the answer: Too many tokens, please wait\./ } })
  t.notOk(throttled.body.includes('[DONE]'))
  const corrupt = await gw.chat(hi)
  t.match(sseChunks(corrupt.body).at(-1), { error: { message: /corrupt event stream frame/ } })
  const cut = await gw.chat(hi)
  t.match(sseChunks(cut.body).at(-1), { error: { message: /ended the stream before it was complete/ } })
})

test('a refused signature is the administrator\'s problem (502), and neither key reaches the client or the logs', async (t) => {
  const gw = await bedrockGateway(t, { AWS_SECRET_ACCESS_KEY: 'wrong/Secret+Access+Key0123456789abcdefgh' })
  gw.mock.respond(bedrockMock.answer({ text: ['never'] }))
  const res = await gw.chat({ model, messages: [{ role: 'user', content: 'hi' }] })
  t.equal(res.statusCode, 502)
  t.match(res.json(), { error: { message: /Provider bedrock refused the gateway's credentials \(HTTP 403\)/ } })
  t.notOk(res.body.includes('wrong/Secret'))
  t.notOk(res.body.includes(AWS_CREDENTIAL.accessKeyId))
})

test('a session token is sent and signed (temporary credentials)', async (t) => {
  const sessionToken = 'FwoGZXIvYXdzEMockSessionToken0123456789=='
  const gw = await bedrockGateway(t, { AWS_SESSION_TOKEN: sessionToken })
  gw.mock.respond(bedrockMock.answer({ text: ['ok'] }, {}, { ...AWS_CREDENTIAL, sessionToken }))
  const res = await gw.chat({ model, messages: [{ role: 'user', content: 'hi' }] })
  t.equal(res.statusCode, 200, res.body)
  t.equal(gw.mock.requests[0]?.headers['x-amz-security-token'], sessionToken)
  t.match(gw.mock.requests[0]?.headers.authorization, /SignedHeaders=[^,]*x-amz-security-token/)
})

test('requests Bedrock cannot take are refused before any call: image URLs, n > 1', async (t) => {
  const gw = await bedrockGateway(t)
  const url = await gw.chat({ model, messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://example.com/a.png' } }] }] })
  t.equal(url.statusCode, 400)
  t.match(url.json(), { error: { message: /Bedrock reads no image URLs/ } })
  const n = await gw.chat({ model, messages: [{ role: 'user', content: 'hi' }], n: 2 })
  t.equal(n.statusCode, 400)
  t.equal(gw.mock.requests.length, 0)
})
