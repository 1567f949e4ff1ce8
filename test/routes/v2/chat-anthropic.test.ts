import { test } from 'tap'
import { anthropicMock } from '../../helpers/mock-anthropic.js'
import { gatewayWithMock, PROVIDER_KEYS, sseChunks, sseData, streamedText } from '../../helpers/gateway.js'
import { openAIErrorLike, openAIStreamError } from '../../helpers/openai-error.js'

const model = 'anthropic/claude-sonnet-4-5'
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg=='
const weatherTool = { type: 'function', function: { name: 'get_weather', description: 'Weather in a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } }

test('an OpenAI conversation is translated into an Anthropic Messages request', async (t) => {
  const gw = await gatewayWithMock(t, 'anthropic', {}, '')
  gw.mock.respond(anthropicMock.answer({ text: 'It is sunny.' }))
  const res = await gw.chat({
    model,
    messages: [
      { role: 'system', content: 'You are terse.' },
      { role: 'developer', content: [{ type: 'text', text: 'Answer in English.' }] },
      { role: 'user', content: [{ type: 'text', text: 'What is this and the weather?' }, { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG}` } }, { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg' } }] },
      { role: 'assistant', content: 'Checking.', tool_calls: [{ id: 'toolu_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }, { id: 'toolu_2', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Rome"}' } }] },
      { role: 'tool', tool_call_id: 'toolu_1', content: 'sunny' },
      { role: 'tool', tool_call_id: 'toolu_2', content: 'cloudy' }
    ],
    tools: [weatherTool],
    tool_choice: 'required',
    parallel_tool_calls: false,
    stop: 'END',
    temperature: 0.3,
    top_p: 0.9,
    user: 'user-42',
    seed: 7,
    logprobs: true
  })
  t.equal(res.statusCode, 200)
  const upstream = gw.mock.requests[0]
  t.equal(upstream?.url, '/v1/messages')
  t.equal(upstream?.headers['x-api-key'], PROVIDER_KEYS.anthropic)
  t.equal(upstream?.headers['anthropic-version'], '2023-06-01')
  t.equal(upstream?.headers.authorization, undefined, 'neither the client key nor a bearer header goes upstream')
  t.same(upstream?.body, {
    model: 'claude-sonnet-4-5',
    max_tokens: 4096,
    system: 'You are terse.\n\nAnswer in English.',
    messages: [
      {
        role: 'user',
        content: [
          { type: 'text', text: 'What is this and the weather?' },
          { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } },
          { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } }
        ]
      },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Checking.' },
          { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } },
          { type: 'tool_use', id: 'toolu_2', name: 'get_weather', input: { city: 'Rome' } }
        ]
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'toolu_1', content: 'sunny' },
          { type: 'tool_result', tool_use_id: 'toolu_2', content: 'cloudy' }
        ]
      }
    ],
    temperature: 0.3,
    top_p: 0.9,
    stop_sequences: ['END'],
    tools: [{ name: 'get_weather', description: 'Weather in a city', input_schema: weatherTool.function.parameters }],
    tool_choice: { type: 'any', disable_parallel_tool_use: true },
    metadata: { user_id: 'user-42' }
  }, 'unknown fields (logprobs) and fields Anthropic lacks (seed) are not sent')
})

test('max_completion_tokens wins over max_tokens, and a JSON response_format becomes a system instruction', async (t) => {
  const gw = await gatewayWithMock(t, 'anthropic', {}, '')
  gw.mock.respond(anthropicMock.answer({ text: '{}' }))
  await gw.chat({
    model,
    messages: [{ role: 'user', content: 'hi' }],
    max_tokens: 10,
    max_completion_tokens: 20,
    response_format: { type: 'json_schema', json_schema: { name: 'r', schema: { type: 'object' } } }
  })
  const body = gw.mock.requests[0]?.body
  t.equal(body.max_tokens, 20)
  t.equal(body.system, 'Respond with a single JSON value and nothing else, matching this JSON Schema:\n{"type":"object"}')
})

test('an Anthropic message is answered as an OpenAI chat.completion', async (t) => {
  const gw = await gatewayWithMock(t, 'anthropic', {}, '')
  gw.mock.respond(anthropicMock.answer({
    text: 'Let me check.',
    toolUses: [{ id: 'toolu_01A', name: 'get_weather', input: { city: 'Paris' } }],
    usage: { input_tokens: 20, output_tokens: 30, cache_read_input_tokens: 100, cache_creation_input_tokens: 5 }
  }))
  const res = await gw.chat({ model, messages: [{ role: 'user', content: 'weather?' }], tools: [weatherTool] })
  const body = res.json()
  t.match(body, { id: 'chatcmpl-msg_01XFDUDYJgAACzvnptvVoYEL', object: 'chat.completion', model: 'claude-sonnet-4-5-20250929' })
  t.same(body.choices, [{
    index: 0,
    message: { role: 'assistant', content: 'Let me check.', refusal: null, tool_calls: [{ id: 'toolu_01A', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
    logprobs: null,
    finish_reason: 'tool_calls'
  }])
  t.same(body.usage, { prompt_tokens: 125, completion_tokens: 30, total_tokens: 155, prompt_tokens_details: { cached_tokens: 100, cache_write_tokens: 5 } }, 'cache reads and writes in OpenAI\'s usage')
  t.match(gw.usage[0], { provider: 'anthropic', upstreamModel: 'claude-sonnet-4-5', promptTokens: 125, completionTokens: 30 })
})

test('stop reasons map to OpenAI finish reasons', async (t) => {
  const gw = await gatewayWithMock(t, 'anthropic', {}, '')
  const cases: Array<[string, string]> = [['end_turn', 'stop'], ['stop_sequence', 'stop'], ['max_tokens', 'length'], ['refusal', 'content_filter']]
  gw.mock.respond(...cases.map(([stopReason]) => anthropicMock.answer({ text: 'x', stopReason })))
  for (const [, finish] of cases) {
    const res = await gw.chat({ model, messages: [{ role: 'user', content: 'hi' }] })
    t.equal(res.json().choices[0].finish_reason, finish)
  }
})

test('a stream split byte by byte (inside UTF-8 characters too) becomes OpenAI chunks with text and tool calls', async (t) => {
  const gw = await gatewayWithMock(t, 'anthropic', {}, '')
  const answer = { text: 'Grüße aus Zürich 👋 — ok. ', toolUses: [{ id: 'toolu_9', name: 'get_weather', input: { city: 'Zürich' } }], usage: { input_tokens: 11, output_tokens: 22 } }
  gw.mock.respond(anthropicMock.answer(answer, { pieceSize: 1 }))
  const res = await gw.chat({ model, stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'hi' }], tools: [weatherTool] })
  t.equal(res.statusCode, 200)
  t.equal(gw.mock.requests[0]?.body.stream, true)
  const chunks = sseChunks(res.body)
  t.equal(sseData(res.body).at(-1), '[DONE]')
  t.same(chunks[0].choices[0].delta, { role: 'assistant', content: '' })
  t.equal(streamedText(chunks), answer.text)
  const calls = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? [])
  t.same(calls[0], { index: 0, id: 'toolu_9', type: 'function', function: { name: 'get_weather', arguments: '' } })
  t.equal(calls.map((c: any) => c.function.arguments).join(''), '{"city":"Zürich"}')
  const finish = chunks.find((c) => c.choices[0]?.finish_reason != null)
  t.equal(finish.choices[0].finish_reason, 'tool_calls')
  t.same(chunks.at(-1).choices, [])
  t.same(chunks.at(-1).usage, { prompt_tokens: 11, completion_tokens: 22, total_tokens: 33, prompt_tokens_details: { cached_tokens: 0 } })
  t.ok(chunks.every((c) => c.id === chunks[0].id && c.object === 'chat.completion.chunk' && c.model === 'claude-sonnet-4-5-20250929'))
  t.match(gw.usage[0], { promptTokens: 11, completionTokens: 22, streamed: true, status: 200 })
})

test('an error event in the Anthropic stream becomes the SSE error event, without [DONE]', async (t) => {
  const gw = await gatewayWithMock(t, 'anthropic', {}, '')
  gw.mock.respond(anthropicMock.failMidStream({ text: 'one two three' }, 5, 'overloaded_error', 'Overloaded'))
  const res = await gw.chat({ model, stream: true, messages: [{ role: 'user', content: 'hi' }] })
  const data = sseData(res.body)
  t.notOk(data.includes('[DONE]'))
  t.same(JSON.parse(data.at(-1) ?? ''), openAIStreamError('Provider anthropic failed during the answer: Overloaded', 'HUB_UPSTREAM_FAILED'))
  t.match(gw.usage[0], { promptTokens: 25, error: 'Provider anthropic failed during the answer: Overloaded' }, 'the prompt count known from message_start is kept')
})

test('Anthropic errors: 400 keeps the message, 401 and 529 become 502', async (t) => {
  const gw = await gatewayWithMock(t, 'anthropic', {}, '')
  gw.mock.respond(
    anthropicMock.error(400, 'invalid_request_error', 'messages: text content blocks must be non-empty'),
    anthropicMock.error(401, 'authentication_error', 'invalid x-api-key'),
    anthropicMock.error(529, 'overloaded_error', 'Overloaded')
  )
  const hi = { model, messages: [{ role: 'user', content: 'hi' }] }
  const bad = await gw.chat(hi)
  t.match(bad.json(), openAIErrorLike('messages: text content blocks must be non-empty'))
  t.equal((await gw.chat(hi)).statusCode, 502)
  const overloaded = await gw.chat(hi)
  t.equal(overloaded.statusCode, 502)
  t.equal(overloaded.json().message, 'Provider anthropic failed (HTTP 529): Overloaded')
})

test('requests Anthropic cannot serve are refused before the call', async (t) => {
  const gw = await gatewayWithMock(t, 'anthropic', {}, '')
  const several = await gw.chat({ model, n: 2, messages: [{ role: 'user', content: 'hi' }] })
  t.match(several.json(), openAIErrorLike('Anthropic models return one choice per request; n must be 1.'))
  const bmp = await gw.chat({ model, messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/bmp;base64,Qk0=' } }] }] })
  t.match(bmp.json(), openAIErrorLike('Anthropic accepts JPEG, PNG, GIF and WebP images, not image/bmp.'))
  const badArgs = await gw.chat({ model, messages: [{ role: 'user', content: 'hi' }, { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{oops' } }] }] })
  t.match(badArgs.json(), openAIErrorLike('tool call c1: function.arguments must be JSON text of an object'))
  t.equal(gw.mock.requests.length, 0)
})

test('an answer that is JSON but not an Anthropic message is the provider\'s failure (502)', async (t) => {
  const gw = await gatewayWithMock(t, 'anthropic', {}, '')
  gw.mock.respond((_req, res) => { res.writeHead(200, { 'content-type': 'application/json' }).end('{"unexpected":true}') }, (_req, res) => { res.writeHead(200).end('not json') })
  const hi = { model, messages: [{ role: 'user', content: 'hi' }] }
  t.match((await gw.chat(hi)).json(), openAIErrorLike('Provider anthropic sent an answer the gateway could not read.', 'api_error'))
  t.match((await gw.chat(hi)).json(), openAIErrorLike('Provider anthropic sent a response that is not JSON.', 'api_error'))
})
