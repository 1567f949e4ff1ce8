import { test } from 'tap'
import { openAIMock } from '../../helpers/mock-openai.js'
import { geminiMock } from '../../helpers/mock-gemini.js'
import { anthropicMock } from '../../helpers/mock-anthropic.js'
import { gatewayWithMock } from '../../helpers/gateway.js'

/* /v1/messages with providers that do not speak Anthropic's format: the request and the answer are translated. */

const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg=='
const tools = [{ name: 'get_weather', description: 'Weather in a city', input_schema: { type: 'object', properties: { city: { type: 'string' } } } }]

/** Named events of an Anthropic SSE body, in order, with their data parsed. */
function events (body: string): Array<{ event: string, data: any }> {
  return body.split('\n\n').filter((b) => b.trim() !== '').map((block) => {
    const event = /^event: (.*)$/m.exec(block)?.[1] ?? ''
    const data = block.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n')
    return { event, data: JSON.parse(data) }
  })
}

test('an Anthropic conversation reaches an OpenAI-compatible provider translated, and the answer comes back as a message', async (t) => {
  const gw = await gatewayWithMock(t, 'openai')
  gw.mock.respond(openAIMock.answer({ content: 'Sunny in Lima.', usage: { prompt_tokens: 30, completion_tokens: 6 } }))
  const res = await gw.app.inject({
    method: 'POST',
    url: '/v1/messages',
    headers: { 'x-api-key': gw.key, 'anthropic-version': '2023-06-01' },
    payload: {
      model: 'openai/gpt-4o-mini',
      max_tokens: 200,
      system: [{ type: 'text', text: 'Be brief.', cache_control: { type: 'ephemeral' } }],
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'What is this?' }, { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } }, { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } }] },
        { role: 'assistant', content: [{ type: 'thinking', thinking: 'hmm', signature: 's' }, { type: 'text', text: 'Let me check.' }, { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Lima' } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'text', text: 'sunny' }] }, { type: 'text', text: 'And now?' }] }
      ],
      tools,
      tool_choice: { type: 'auto', disable_parallel_tool_use: true },
      stop_sequences: ['END'],
      temperature: 0.2,
      metadata: { user_id: 'u-1' }
    }
  })
  t.equal(res.statusCode, 200, res.body)
  t.same(gw.mock.requests[0]?.body, {
    model: 'gpt-4o-mini',
    max_tokens: 200,
    messages: [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: [{ type: 'text', text: 'What is this?' }, { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG}` } }, { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg' } }] },
      { role: 'assistant', content: 'Let me check.', tool_calls: [{ id: 'toolu_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Lima"}' } }] },
      { role: 'tool', tool_call_id: 'toolu_1', content: 'sunny' },
      { role: 'user', content: 'And now?' }
    ],
    temperature: 0.2,
    stop: ['END'],
    user: 'u-1',
    tools: [{ type: 'function', function: { name: 'get_weather', description: 'Weather in a city', parameters: tools[0]?.input_schema } }],
    tool_choice: 'auto',
    parallel_tool_calls: false,
    stream: false
  })
  t.match(res.json(), {
    id: /^msg_/,
    type: 'message',
    role: 'assistant',
    model: 'openai/gpt-4o-mini',
    content: [{ type: 'text', text: 'Sunny in Lima.' }],
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage: { input_tokens: 30, output_tokens: 6, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 }
  })
  t.match(gw.usage[0], { model: 'openai/gpt-4o-mini', promptTokens: 30, completionTokens: 6, status: 200 })
})

test('a streamed answer with a tool call from an OpenAI-compatible provider becomes Anthropic\'s events', async (t) => {
  const gw = await gatewayWithMock(t, 'openai')
  gw.mock.respond(openAIMock.answer({ content: 'Checking.', toolCalls: [{ id: 'call_7', name: 'get_weather', arguments: '{"city":"Lima"}' }], usage: { prompt_tokens: 20, completion_tokens: 9 } }, { pieceSize: 5 }))
  const res = await gw.app.inject({ method: 'POST', url: '/v1/messages', headers: { 'x-api-key': gw.key }, payload: { model: 'openai/gpt-4o-mini', max_tokens: 100, stream: true, tools, messages: [{ role: 'user', content: 'Weather in Lima?' }] } })
  t.equal(res.statusCode, 200)
  t.equal(gw.mock.requests[0]?.body.stream, true)
  t.same(gw.mock.requests[0]?.body.stream_options, { include_usage: true }, 'usage is asked for, to meter and to report it')
  const seen = events(res.body)
  t.same(seen.map((e) => e.event), [
    'message_start', 'ping',
    'content_block_start', ...Array(seen.filter((e) => e.data.delta?.type === 'text_delta').length).fill('content_block_delta'), 'content_block_stop',
    'content_block_start', ...Array(seen.filter((e) => e.data.delta?.type === 'input_json_delta').length).fill('content_block_delta'), 'content_block_stop',
    'message_delta', 'message_stop'
  ])
  t.equal(seen.filter((e) => e.data.delta?.type === 'text_delta').map((e) => e.data.delta.text).join(''), 'Checking.')
  t.match(seen.find((e) => e.data.content_block?.type === 'tool_use')?.data, { index: 1, content_block: { type: 'tool_use', id: 'call_7', name: 'get_weather', input: {} } })
  t.equal(seen.filter((e) => e.data.delta?.type === 'input_json_delta').map((e) => e.data.delta.partial_json).join(''), '{"city":"Lima"}')
  t.match(seen.find((e) => e.event === 'message_delta')?.data, { delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { input_tokens: 20, output_tokens: 9 } })
  t.match(gw.usage[0], { promptTokens: 20, completionTokens: 9, streamed: true })
})

test('Gemini answers Anthropic clients too, streamed and not, with stop reasons mapped', async (t) => {
  const gw = await gatewayWithMock(t, 'gemini', {}, '/v1beta')
  gw.mock.respond(geminiMock.answer({ text: ['Hel', 'lo.'], finishReason: 'MAX_TOKENS' }))
  const res = await gw.app.inject({ method: 'POST', url: '/v1/messages', headers: { 'x-api-key': gw.key }, payload: { model: 'gemini/gemini-2.5-flash', max_tokens: 5, messages: [{ role: 'user', content: 'Hi' }] } })
  t.equal(res.statusCode, 200, res.body)
  t.match(res.json(), { content: [{ type: 'text', text: 'Hello.' }], stop_reason: 'max_tokens', usage: { input_tokens: 8, output_tokens: 5 } })

  gw.mock.respond(geminiMock.answer({ functionCalls: [{ name: 'get_weather', args: { city: 'Oslo' } }] }))
  const streamed = await gw.app.inject({ method: 'POST', url: '/v1/messages', headers: { 'x-api-key': gw.key }, payload: { model: 'gemini/gemini-2.5-flash', max_tokens: 50, stream: true, tools, messages: [{ role: 'user', content: 'Weather?' }] } })
  const seen = events(streamed.body)
  t.match(seen.find((e) => e.data.content_block?.type === 'tool_use')?.data.content_block, { name: 'get_weather' })
  t.equal(seen.filter((e) => e.data.delta?.type === 'input_json_delta').map((e) => e.data.delta.partial_json).join(''), '{"city":"Oslo"}')
  t.match(seen.find((e) => e.event === 'message_delta')?.data.delta, { stop_reason: 'tool_use' })
  t.equal(seen.at(-1)?.event, 'message_stop')
})

test('count_tokens for a translated provider is the gateway\'s estimate; nothing goes upstream', async (t) => {
  const gw = await gatewayWithMock(t, 'openai')
  const messages = [{ role: 'user', content: 'x'.repeat(400) }]
  const res = await gw.app.inject({ method: 'POST', url: '/api/v2/messages/count_tokens', headers: { 'x-api-key': gw.key }, payload: { model: 'openai/gpt-4o-mini', messages } })
  t.equal(res.statusCode, 200)
  t.ok(res.json().input_tokens >= 100 && res.json().input_tokens < 120, `about a token per 4 bytes (${res.json().input_tokens})`)
  t.equal(gw.mock.requests.length, 0)
  const unknown = await gw.app.inject({ method: 'POST', url: '/v1/messages/count_tokens', headers: { 'x-api-key': gw.key }, payload: { model: 'nope/x', messages } })
  t.equal(unknown.statusCode, 400)
  t.match(unknown.json(), { type: 'error', error: { type: 'invalid_request_error', message: /Unknown provider "nope"/ } })
})

test('errors come in Anthropic\'s shape with the gateway\'s statuses; mid-stream failures as an error event', async (t) => {
  const gw = await gatewayWithMock(t, 'openai')
  const send = async (payload: unknown): Promise<Awaited<ReturnType<typeof gw.app.inject>>> =>
    await gw.app.inject({ method: 'POST', url: '/v1/messages', headers: { 'x-api-key': gw.key }, payload: payload as object })

  const invalid = await send({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] })
  t.equal(invalid.statusCode, 400)
  t.same(invalid.json(), { type: 'error', error: { type: 'invalid_request_error', message: invalid.json().error.message } })
  t.match(invalid.json().error.message, /max_tokens/)

  const documents = await send({ model: 'openai/gpt-4o-mini', max_tokens: 5, messages: [{ role: 'user', content: [{ type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'x' } }] }] })
  t.equal(documents.statusCode, 400)
  t.match(documents.json().error, { type: 'invalid_request_error', message: /body\/messages\/0\/content\/0: "document" blocks can only be sent to Anthropic models/ })

  const serverTool = await send({ model: 'openai/gpt-4o-mini', max_tokens: 5, tools: [{ type: 'web_search_20250305', name: 'web_search' }], messages: [{ role: 'user', content: 'Hi' }] })
  t.equal(serverTool.statusCode, 400)
  t.match(serverTool.json().error.message, /server tools/)

  const badImage = await send({ model: 'openai/gpt-4o-mini', max_tokens: 5, messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'url', url: 'file:///etc/passwd' } }] }] })
  t.equal(badImage.statusCode, 400)

  const badBeta = await gw.app.inject({ method: 'POST', url: '/v1/messages', headers: { 'x-api-key': gw.key, 'anthropic-beta': 'a\tb;c=d' }, payload: { model: 'anthropic/claude-sonnet-4-5', max_tokens: 5, messages: [{ role: 'user', content: 'Hi' }] } })
  t.equal(badBeta.statusCode, 400, 'an anthropic-beta header that is not a list of feature names never goes upstream')

  gw.mock.respond(openAIMock.error(404, 'The model `gpt-9` does not exist'))
  const notFound = await send({ model: 'openai/gpt-4o-mini', max_tokens: 5, messages: [{ role: 'user', content: 'Hi' }] })
  t.equal(notFound.statusCode, 404)
  t.match(notFound.json(), { type: 'error', error: { type: 'not_found_error', message: /does not exist/ } })

  gw.mock.respond(openAIMock.error(429, 'Slow down'))
  const limited = await send({ model: 'openai/gpt-4o-mini', max_tokens: 5, messages: [{ role: 'user', content: 'Hi' }] })
  t.equal(limited.statusCode, 429)
  t.match(limited.json().error, { type: 'rate_limit_error', message: /Slow down/ })

  gw.mock.respond(openAIMock.answer({ content: 'one two three four' }, { dieAfter: 3 }))
  const broken = await send({ model: 'openai/gpt-4o-mini', max_tokens: 5, stream: true, messages: [{ role: 'user', content: 'Hi' }] })
  const last = events(broken.body).at(-1)
  t.equal(last?.event, 'error')
  t.match(last?.data, { type: 'error', error: { type: 'api_error', message: /provider openai/i } })
  t.equal(events(broken.body).filter((e) => e.event === 'message_stop').length, 0)
})

test('an Anthropic upstream failing mid-stream ends the relayed stream with an error event', async (t) => {
  const gw = await gatewayWithMock(t, 'anthropic', {}, '')
  gw.mock.respond(anthropicMock.failMidStream({ text: 'one two three' }, 4, 'overloaded_error', 'Overloaded'))
  const res = await gw.app.inject({ method: 'POST', url: '/v1/messages', headers: { 'x-api-key': gw.key }, payload: { model: 'anthropic/claude-sonnet-4-5', max_tokens: 5, stream: true, messages: [{ role: 'user', content: 'Hi' }] } })
  const seen = events(res.body)
  t.same(seen.map((e) => e.event), ['message_start', 'ping', 'content_block_start', 'content_block_delta', 'error'])
  t.match(seen.at(-1)?.data, { type: 'error', error: { type: 'api_error', message: /Provider anthropic failed during the answer: Overloaded/ } })
  t.equal(gw.usage[0]?.status, 200)
  t.match(gw.usage[0]?.error, /Overloaded/)
})
