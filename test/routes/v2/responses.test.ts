import { test } from 'tap'
import { bearer, issueKey, UNAUTHORIZED } from '../../helpers/build.js'
import { gatewayWithMock, type Gateway } from '../../helpers/gateway.js'
import { openAIMock, openAIResponsesMock } from '../../helpers/mock-openai.js'
import { anthropicMock } from '../../helpers/mock-anthropic.js'
import { eventProblems, responseProblems, sseEvents } from '../../protocols/responses/spec/validate.js'

async function post (gw: Gateway, payload: Record<string, unknown>, key = gw.key): Promise<Awaited<ReturnType<Gateway['chat']>>> {
  return await gw.app.inject({ method: 'POST', url: '/api/v2/responses', headers: bearer(key), payload })
}

const WEATHER_TOOL = { type: 'function', name: 'get_weather', description: 'Weather of a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } }

test('OpenAI upstream: the request and answer pass through natively, usage is metered', async (t) => {
  const gw = await gatewayWithMock(t, 'openai')
  gw.mock.respond(openAIResponsesMock.answer({ content: 'Hello there!', usage: { prompt_tokens: 21, completion_tokens: 4 } }))
  const res = await post(gw, { model: 'openai/gpt-4o-mini', input: 'Say hello', instructions: 'Be brief', reasoning: { effort: 'low' } })
  t.equal(res.statusCode, 200, res.body)
  const body = res.json()
  t.same(responseProblems(body), [])
  t.equal(body.output[0].content[0].text, 'Hello there!')
  const sent = gw.mock.requests[0]
  t.equal(sent?.url, '/responses')
  t.equal(sent?.body.model, 'gpt-4o-mini')
  t.equal(sent?.body.input, 'Say hello')
  t.same(sent?.body.reasoning, { effort: 'low' }, 'fields the gateway does not translate reach OpenAI')
  t.equal(gw.usage.length, 1)
  t.match(gw.usage[0], { model: 'openai/gpt-4o-mini', kind: 'chat', promptTokens: 21, completionTokens: 4, status: 200 })
})

test('OpenAI upstream streamed: the events are relayed with their names, usage is metered', async (t) => {
  const gw = await gatewayWithMock(t, 'openai')
  gw.mock.respond(openAIResponsesMock.answer({ content: 'Hi you', toolCalls: [{ id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' }] }, { pieceSize: 7 }))
  const res = await post(gw, { model: 'openai/gpt-4o-mini', input: 'Weather?', tools: [WEATHER_TOOL], stream: true })
  t.equal(res.statusCode, 200)
  t.match(res.headers['content-type'], /text\/event-stream/)
  const events = sseEvents(res.body)
  for (const { event, data } of events) {
    t.equal(event, data.type)
    t.same(eventProblems(data), [], data.type)
  }
  t.equal(events.at(-1)?.data.type, 'response.completed')
  t.match(gw.usage[0], { promptTokens: 11, completionTokens: 7, streamed: true })
})

test('Anthropic upstream: translated through chat, answer and every event valid against OpenAI\'s spec', async (t) => {
  const gw = await gatewayWithMock(t, 'anthropic')
  gw.mock.respond(anthropicMock.answer({ text: 'Let me check.', toolUses: [{ id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } }], usage: { input_tokens: 30, output_tokens: 12, cache_read_input_tokens: 5 } }))
  const payload = { model: 'anthropic/claude-sonnet-4-5', instructions: 'Be brief', input: [{ role: 'user', content: [{ type: 'input_text', text: 'Weather in Paris?' }] }], tools: [WEATHER_TOOL], max_output_tokens: 100 }
  const res = await post(gw, payload)
  t.equal(res.statusCode, 200, res.body)
  const body = res.json()
  t.same(responseProblems(body), [])
  t.match(body, { object: 'response', status: 'completed', model: 'anthropic/claude-sonnet-4-5', instructions: 'Be brief', max_output_tokens: 100 })
  t.match(body.output, [{ type: 'message', content: [{ type: 'output_text', text: 'Let me check.' }] }, { type: 'function_call', call_id: 'toolu_1', name: 'get_weather', arguments: '{"city":"Paris"}' }])
  t.equal(body.usage.input_tokens, gw.usage[0]?.promptTokens)
  t.equal(body.usage.output_tokens, 12)
  const sent = gw.mock.requests[0]?.body
  t.equal(sent.system, 'Be brief')
  t.equal(sent.max_tokens, 100)
  t.equal(sent.tools[0].name, 'get_weather')

  const streamed = await post(gw, { ...payload, stream: true })
  t.equal(streamed.statusCode, 200)
  const events = sseEvents(streamed.body)
  t.same(events.map((e) => e.data.sequence_number), events.map((_e, i) => i), 'numbered from 0, in order')
  for (const { event, data } of events) {
    t.equal(event, data.type)
    t.same(eventProblems(data), [], data.type)
  }
  const types = events.map((e) => e.data.type)
  t.same(types.slice(0, 4), ['response.created', 'response.in_progress', 'response.output_item.added', 'response.content_part.added'])
  t.ok(types.includes('response.function_call_arguments.delta'))
  t.equal(types.at(-1), 'response.completed')
  const completed = events.at(-1)?.data.response
  t.equal(events.filter((e) => e.data.type === 'response.output_text.delta').map((e) => e.data.delta).join(''), 'Let me check.')
  t.equal(completed.output[1].arguments, '{"city":"Paris"}')
  t.equal(completed.usage.output_tokens, 12)
  t.equal(gw.usage.length, 2)
})

test('previous_response_id continues the stored conversation of the same key only', async (t) => {
  const gw = await gatewayWithMock(t, 'anthropic')
  gw.mock.respond(anthropicMock.answer({ text: 'Paris is sunny.' }))
  const first = await post(gw, { model: 'anthropic/claude-sonnet-4-5', input: 'Weather in Paris?' })
  const id = first.json().id as string
  t.match(id, /^resp_/)
  const second = await post(gw, { model: 'anthropic/claude-sonnet-4-5', input: 'And tomorrow?', previous_response_id: id })
  t.equal(second.statusCode, 200, second.body)
  const turns = (gw.mock.requests[1]?.body.messages as Array<{ role: string, content: Array<{ text: string }> }>).map((m) => `${m.role}: ${m.content.map((c) => c.text).join('')}`)
  t.same(turns, ['user: Weather in Paris?', 'assistant: Paris is sunny.', 'user: And tomorrow?'])
  const got = await gw.app.inject({ method: 'GET', url: `/api/v2/responses/${id}`, headers: bearer(gw.key) })
  t.equal(got.statusCode, 200)
  t.same(got.json(), first.json())

  const other = await issueKey(gw.app, { scopes: ['chat'] })
  const stolen = await post(gw, { model: 'anthropic/claude-sonnet-4-5', input: 'Hi', previous_response_id: id }, other.key)
  t.equal(stolen.statusCode, 404)
  t.match(stolen.json().message ?? stolen.json().error?.message, /not found/)
  t.equal((await gw.app.inject({ method: 'GET', url: `/api/v2/responses/${id}`, headers: bearer(other.key) })).statusCode, 404)
  t.equal((await gw.app.inject({ method: 'DELETE', url: `/api/v2/responses/${id}`, headers: bearer(other.key) })).statusCode, 404)
  t.equal(gw.mock.requests.length, 2, 'the refused continuation never went upstream')

  const deleted = await gw.app.inject({ method: 'DELETE', url: `/api/v2/responses/${id}`, headers: bearer(gw.key) })
  t.same(deleted.json(), { id, object: 'response', deleted: true })
  t.equal((await post(gw, { model: 'anthropic/claude-sonnet-4-5', input: 'Hi', previous_response_id: id })).statusCode, 404)
})

test('store: false keeps nothing', async (t) => {
  const gw = await gatewayWithMock(t, 'anthropic')
  gw.mock.respond(anthropicMock.answer({ text: 'ok' }))
  const res = await post(gw, { model: 'anthropic/claude-sonnet-4-5', input: 'Hi', store: false })
  t.equal(res.json().store, false)
  t.equal((await gw.app.inject({ method: 'GET', url: `/api/v2/responses/${res.json().id as string}`, headers: bearer(gw.key) })).statusCode, 404)
  const rows = await gw.app.store.db.selectFrom('responses').selectAll().execute()
  t.equal(rows.length, 0)
})

test('expired responses are unreadable and purged', async (t) => {
  const gw = await gatewayWithMock(t, 'anthropic', { RESPONSES_RETENTION_HOURS: '1' })
  gw.mock.respond(anthropicMock.answer({ text: 'ok' }))
  const id = (await post(gw, { model: 'anthropic/claude-sonnet-4-5', input: 'Hi' })).json().id as string
  await gw.app.store.db.updateTable('responses').set({ expires_at: new Date(Date.now() - 1000).toISOString() }).execute()
  await gw.app.store.db.updateTable('response_items').set({ expires_at: new Date(Date.now() - 1000).toISOString() }).execute()
  t.equal((await post(gw, { model: 'anthropic/claude-sonnet-4-5', input: 'Hi', previous_response_id: id })).statusCode, 404)
  t.equal(await gw.app.conversations.purge(), 1)
  t.equal((await gw.app.store.db.selectFrom('response_items').selectAll().execute()).length, 0)
})

test('bad input: 400 with a clear message, never a call upstream; no key: the standard 401', async (t) => {
  const gw = await gatewayWithMock(t, 'openai')
  gw.mock.respond(openAIMock.answer({ content: 'x' }))
  const cases: Array<[Record<string, unknown>, RegExp]> = [
    [{ model: 'openai/gpt-4o-mini' }, /input/],
    [{ model: 'openai/gpt-4o-mini', input: [{ type: 'web_search_call' }] }, /input/],
    [{ model: 'openai/gpt-4o-mini', input: 'x', tools: [{ type: 'web_search' }] }, /tools\/0/],
    [{ model: 'openai/gpt-4o-mini', input: 'x', conversation: 'conv_1' }, /conversation/],
    [{ model: 'openai/gpt-4o-mini', input: 'x', background: true }, /background/],
    [{ model: 'openai/gpt-4o-mini', input: 'x', previous_response_id: 'x'.repeat(500) }, /previous_response_id/],
    [{ model: 'openai/gpt-4o-mini', input: [] }, /at least one message/]
  ]
  for (const [payload, message] of cases) {
    const res = await post(gw, payload)
    t.equal(res.statusCode, 400, JSON.stringify(payload))
    t.match(JSON.stringify(res.json()), message)
  }
  t.equal(gw.mock.requests.length, 0)
  const anonymous = await gw.app.inject({ method: 'POST', url: '/api/v2/responses', payload: { model: 'openai/gpt-4o-mini', input: 'x' } })
  t.equal(anonymous.statusCode, 401)
  t.same(anonymous.json(), UNAUTHORIZED)
})

test('the OpenAPI document describes the Responses routes, their stream and every status', async (t) => {
  const gw = await gatewayWithMock(t, 'openai')
  const doc = (await gw.app.inject({ url: '/openapi.json' })).json()
  const path = (p: string): any => doc.paths[p] ?? doc.paths[`${p}/`]
  const create = path('/api/v2/responses')?.post
  t.ok(create, 'POST documented')
  t.ok(create.responses['200'].content['text/event-stream'], 'the stream is documented')
  for (const status of ['400', '401', '402', '404', '413', '429', '502']) t.ok(create.responses[status]?.content, `${status} has a body schema`)
  t.ok(path('/api/v2/responses/{id}')?.get?.responses['200'], 'GET documented')
  t.ok(path('/api/v2/responses/{id}')?.delete?.responses['404'], 'DELETE documented')
})
