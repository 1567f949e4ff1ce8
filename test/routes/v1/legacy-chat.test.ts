import { test } from 'tap'
import { adminCall, UNAUTHORIZED } from '../../helpers/build.js'
import { anthropicMock } from '../../helpers/mock-anthropic.js'
import { openAIMock } from '../../helpers/mock-openai.js'
import { sseData } from '../../helpers/gateway.js'
import { legacyGateway } from './setup.js'

const SSE = { accept: 'text/event-stream' }

test('AI Kit chat, not streamed: {role, text, content} from `messages` or `prompt`, on all three legacy URLs', async (t) => {
  const gw = await legacyGateway(t, 'openai')
  gw.mock.respond(openAIMock.answer({ content: 'Hello, legacy client.', usage: { prompt_tokens: 5, completion_tokens: 4 } }))

  for (const url of ['/api/v1/chat/completions', '/api/v1/completions', '/api/v2/completions']) {
    const res = await gw.chatAt(url, { model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], temperature: 0.5, topP: null })
    t.equal(res.statusCode, 200, url)
    t.same(res.json(), { role: 'assistant', text: 'Hello, legacy client.', content: 'Hello, legacy client.', usage: { promptTokens: 5, completionTokens: 4, totalTokens: 9 } }, url)
  }
  t.same(gw.mock.requests.at(-1)?.body, { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], temperature: 0.5, stream: false }, 'null means unset')

  const prompted = await gw.chatAt('/api/v1/completions', { model: 'gpt-4o-mini', prompt: 'Say hello', maxTokens: 20 })
  t.equal(prompted.statusCode, 200)
  t.same(gw.mock.requests.at(-1)?.body.messages, [{ role: 'user', content: 'Say hello' }], 'a prompt is one user message')
  t.equal(gw.mock.requests.at(-1)?.body.max_tokens, 20)
  t.match(gw.usage.at(-1), { model: 'openai/gpt-4o-mini' }, 'a bare OpenAI model name is routed to openai')

  await adminCall(gw.app, { method: 'POST', url: '/api/admin/models', payload: { id: 'openai/gpt-4o-mini', inputRate: 1, outputRate: 2 } })
  const priced = await gw.chatAt('/api/v1/chat/completions', { model: 'openai/gpt-4o-mini', prompt: 'hi' })
  t.same(priced.json().usage, { promptTokens: 5, completionTokens: 4, totalTokens: 9, aigneHubCredits: (5 + 8) / 1e6 })
})

test('AI Kit chat, streamed: SSE deltas without [DONE], tool calls whole, usage last; plain text with "stream": true', async (t) => {
  const gw = await legacyGateway(t, 'openai')
  gw.mock.respond(openAIMock.answer({ content: 'Streaming the legacy way.' }, { pieceSize: 5 }))
  const res = await gw.chatAt('/api/v1/chat/completions', { model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }, SSE)
  t.equal(res.statusCode, 200)
  t.match(res.headers['content-type'], /^text\/event-stream/)
  const events = sseData(res.body).map((d) => JSON.parse(d))
  t.same(events[0], { delta: { role: 'assistant' } })
  t.equal(events.map((e) => e.delta?.content ?? '').join(''), 'Streaming the legacy way.')
  t.same(events.at(-1), { usage: { promptTokens: 9, completionTokens: 12, totalTokens: 21 } })
  t.notMatch(res.body, '[DONE]')

  gw.mock.respond(openAIMock.answer({ toolCalls: [{ id: 'call_1', name: 'lookup', arguments: '{"q":"tides"}' }] }))
  const tools = [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object', properties: { q: { type: 'string' } } } } }]
  const withTools = await gw.chatAt('/api/v2/completions', { model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'tides?' }], tools, toolChoice: 'auto', stream: true }, SSE)
  const toolEvents = sseData(withTools.body).map((d) => JSON.parse(d)).filter((e) => e.delta?.toolCalls !== undefined)
  t.same(toolEvents, [{ delta: { toolCalls: [{ id: 'call_1', type: 'function', function: { name: 'lookup', arguments: '{"q":"tides"}' } }] } }],
    'fragments are joined into one complete call')
  t.same(gw.mock.requests.at(-1)?.body.tool_choice, 'auto')

  gw.mock.respond(openAIMock.answer({ content: 'Just the text.' }, { pieceSize: 4 }))
  const plain = await gw.chatAt('/api/v1/completions', { model: 'openai/gpt-4o-mini', prompt: 'hi', stream: true })
  t.match(plain.headers['content-type'], /^text\/plain/)
  t.equal(plain.body, 'Just the text.')
})

test('AI Kit chat: tool history in camelCase reaches Anthropic; failures mid-stream in both stream forms', async (t) => {
  const gw = await legacyGateway(t, 'anthropic', {}, '')
  gw.mock.respond(anthropicMock.answer({ text: 'Tides are high at noon.' }))
  const history = await gw.chatAt('/api/v1/chat/completions', {
    model: 'claude-sonnet-4-5',
    messages: [
      { role: 'user', content: [{ type: 'text', text: 'tides?' }] },
      { role: 'assistant', content: null, toolCalls: [{ id: 'toolu_9', type: 'function', function: { name: 'lookup', arguments: '{"q":"tides"}' } }] },
      { role: 'tool', toolCallId: 'toolu_9', content: 'high at noon' }
    ],
    tools: [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object' } } }]
  })
  t.equal(history.json().text, 'Tides are high at noon.')
  t.same(gw.mock.requests.at(-1)?.body.messages.slice(1), [
    { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_9', name: 'lookup', input: { q: 'tides' } }] },
    { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_9', content: 'high at noon' }] }
  ])
  t.equal(gw.mock.requests.at(-1)?.body.model, 'claude-sonnet-4-5', 'a bare claude name is routed to anthropic')

  gw.mock.respond(anthropicMock.failMidStream({ text: 'Partial answer then' }, 5, 'overloaded_error', 'Overloaded'))
  const broken = await gw.chatAt('/api/v1/chat/completions', { model: 'anthropic/claude-sonnet-4-5', prompt: 'hi' }, SSE)
  const events = sseData(broken.body).map((d) => JSON.parse(d))
  t.equal(events.map((e) => e.delta?.content ?? '').join(''), 'Partial answer ')
  t.match(events.at(-1), { error: { message: /Overloaded/, type: 'upstream_error' } })

  gw.mock.respond(anthropicMock.failMidStream({ text: 'Partial answer then' }, 5, 'overloaded_error', 'Overloaded'))
  const brokenText = await gw.chatAt('/api/v1/completions', { model: 'anthropic/claude-sonnet-4-5', prompt: 'hi', stream: true })
  t.match(brokenText.body, /^Partial answer ERROR: .*Overloaded/)
})

test('AI Kit chat refuses bad requests in the nested error shape; unauthenticated calls get the standard 401', async (t) => {
  const gw = await legacyGateway(t, 'openai')
  const cases: Array<[Record<string, unknown>, string]> = [
    [{ model: 'openai/gpt-4o-mini' }, 'body must have exactly one of "prompt" and "messages"'],
    [{ model: 'openai/gpt-4o-mini', prompt: 'a', messages: [{ role: 'user', content: 'b' }] }, 'body must have exactly one of "prompt" and "messages"'],
    [{ model: 'mystery-model', prompt: 'a' }, 'body/model "mystery-model" must be named "provider/model"'],
    [{ model: 'openai/gpt-4o-mini', prompt: 'a', responseFormat: { type: 'json_schema' } }, 'body/responseFormat/jsonSchema is required with type json_schema'],
    [{ model: 'openai/gpt-4o-mini', messages: [{ role: 'agent', content: 'x' }] }, 'body/messages/0/role must be one of: system, user, assistant, tool'],
    [{ model: 'openai/gpt-4o-mini', prompt: 'a', temperature: 3 }, 'temperature expected number to be less or equal to 2']
  ]
  for (const [payload, message] of cases) {
    const res = await gw.chatAt('/api/v1/chat/completions', payload)
    t.equal(res.statusCode, 400, message)
    t.match(res.json(), { error: { message, type: 'invalid_request_error' }, message })
  }
  t.equal(gw.mock.requests.length, 0)

  const anonymous = await gw.app.inject({ method: 'POST', url: '/api/v1/completions', payload: { model: 'openai/gpt-4o-mini', prompt: 'a' } })
  t.equal(anonymous.statusCode, 401)
  t.same(anonymous.json(), UNAUTHORIZED)
})
