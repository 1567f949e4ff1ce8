import { test } from 'tap'
import { anthropicEvents, anthropicMessage, anthropicMock } from '../../helpers/mock-anthropic.js'
import { gatewayWithMock, PROVIDER_KEYS } from '../../helpers/gateway.js'
import { adminCall, issueKey, UNAUTHORIZED } from '../../helpers/build.js'

/*
 * /v1/messages and /api/v2/messages with an Anthropic upstream: the body goes up as sent (model swapped), the answer
 * and the events come back byte for byte, and the usage (cache reads and writes by lifetime) is metered.
 */

const claudeCodeBody = {
  model: 'anthropic/claude-sonnet-4-5',
  max_tokens: 32000,
  system: [
    { type: 'text', text: 'You are Claude Code, Anthropic\'s official CLI for Claude.', cache_control: { type: 'ephemeral' } },
    { type: 'text', text: 'Project instructions…', cache_control: { type: 'ephemeral', ttl: '1h' } }
  ],
  messages: [
    { role: 'user', content: [{ type: 'text', text: 'List the files.', cache_control: { type: 'ephemeral' } }] },
    { role: 'assistant', content: [{ type: 'thinking', thinking: 'Use the tool.', signature: 'EqQBCgIYAhIM…' }, { type: 'tool_use', id: 'toolu_01', name: 'Bash', input: { command: 'ls' } }] },
    { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_01', content: 'README.md\npackage.json' }] }
  ],
  tools: [{ name: 'Bash', description: 'Run a command', input_schema: { type: 'object', properties: { command: { type: 'string' } }, required: ['command'] } }],
  thinking: { type: 'enabled', budget_tokens: 16000 },
  metadata: { user_id: 'user_abc_account__session_123' },
  stream: true
}

const cachedUsage = {
  input_tokens: 12,
  output_tokens: 40,
  cache_read_input_tokens: 3000,
  cache_creation_input_tokens: 500,
  cache_creation: { ephemeral_5m_input_tokens: 200, ephemeral_1h_input_tokens: 300 }
}

test('a Claude-Code-style streamed request passes through intact, and its events come back byte for byte', async (t) => {
  const gw = await gatewayWithMock(t, 'anthropic', {}, '')
  const answer = { thinking: { thinking: 'The files are listed.', signature: 'sig-2' }, text: 'Two files.', usage: cachedUsage }
  gw.mock.respond(anthropicMock.answer(answer, { pieceSize: 7 }))
  const res = await gw.app.inject({
    method: 'POST',
    url: '/v1/messages',
    headers: {
      'x-api-key': gw.key,
      'anthropic-version': '2023-06-01',
      'anthropic-beta': 'claude-code-20250219,interleaved-thinking-2025-05-14,fine-grained-tool-streaming-2025-05-14',
      'user-agent': 'claude-cli/2.0.0 (external, cli)'
    },
    payload: claudeCodeBody
  })
  t.equal(res.statusCode, 200, res.body.slice(0, 300))
  t.match(res.headers['content-type'], /^text\/event-stream/)
  t.equal(res.body, anthropicEvents(answer).join(''), 'every event relayed as Anthropic sent it')

  const upstream = gw.mock.requests[0]
  t.equal(upstream?.url, '/v1/messages')
  t.same(upstream?.body, { ...claudeCodeBody, model: 'claude-sonnet-4-5' }, 'the body as sent, only the model named as Anthropic knows it')
  t.equal(upstream?.headers['x-api-key'], PROVIDER_KEYS.anthropic, 'the provider credential replaces the client key')
  t.equal(upstream?.headers['anthropic-beta'], 'claude-code-20250219,interleaved-thinking-2025-05-14,fine-grained-tool-streaming-2025-05-14')
  t.equal(upstream?.headers['anthropic-version'], '2023-06-01')
  t.equal(upstream?.headers.authorization, undefined)

  t.equal(gw.usage.length, 1)
  t.match(gw.usage[0], { model: 'anthropic/claude-sonnet-4-5', provider: 'anthropic', streamed: true, status: 200, promptTokens: 3512, completionTokens: 40 })
  t.notOk(gw.usage[0]?.usageEstimated, 'the provider\'s counts, not an estimate')
})

test('a non-streamed message comes back byte for byte; its usage carries cache reads and 5-minute / 1-hour writes', async (t) => {
  const gw = await gatewayWithMock(t, 'anthropic', {}, '')
  const answer = { text: 'Hello.', toolUses: [{ id: 'toolu_9', name: 'Bash', input: { command: 'pwd' } }], usage: cachedUsage }
  gw.mock.respond(anthropicMock.answer(answer))
  const seen: unknown[] = []
  gw.app.usageEvents.on('usage', () => { seen.push(gw.app.providers.inflightStreams) })
  const res = await gw.app.inject({ method: 'POST', url: '/api/v2/messages', headers: { authorization: `Bearer ${gw.key}` }, payload: { ...claudeCodeBody, stream: false } })
  t.equal(res.statusCode, 200)
  t.equal(res.body, JSON.stringify(anthropicMessage(answer)), 'the upstream\'s bytes')
  t.equal(gw.mock.requests[0]?.body.stream, undefined, 'stream: false is not sent upstream')
  t.match(gw.usage[0], { promptTokens: 3512, completionTokens: 40, totalTokens: 3552, streamed: false })
})

test('count_tokens is Anthropic\'s own count, and nothing is metered', async (t) => {
  const gw = await gatewayWithMock(t, 'anthropic', {}, '')
  gw.mock.respond(anthropicMock.answer({ text: 'x', usage: { input_tokens: 1234, output_tokens: 0 } }))
  const { model, messages, system, tools } = claudeCodeBody
  const res = await gw.app.inject({ method: 'POST', url: '/v1/messages/count_tokens', headers: { 'x-api-key': gw.key, 'anthropic-beta': 'token-counting-2024-11-01' }, payload: { model, messages, system, tools } })
  t.equal(res.statusCode, 200)
  t.same(res.json(), { input_tokens: 1234 })
  t.equal(gw.mock.requests[0]?.url, '/v1/messages/count_tokens')
  t.same(gw.mock.requests[0]?.body, { model: 'claude-sonnet-4-5', messages, system, tools })
  t.equal(gw.usage.length, 0)
})

test('a bare claude-… name is served by the anthropic provider', async (t) => {
  const gw = await gatewayWithMock(t, 'anthropic', {}, '')
  gw.mock.respond(anthropicMock.answer({ text: 'Hi.' }))
  const res = await gw.app.inject({ method: 'POST', url: '/v1/messages', headers: { 'x-api-key': gw.key }, payload: { model: 'claude-sonnet-4-5', max_tokens: 100, messages: [{ role: 'user', content: 'Hi' }] } })
  t.equal(res.statusCode, 200)
  t.equal(gw.mock.requests[0]?.body.model, 'claude-sonnet-4-5')
  t.equal(gw.usage[0]?.model, 'anthropic/claude-sonnet-4-5')
})

test('names resolve as on every route: a catalog alias names its model, and the key\'s patterns see the model called', async (t) => {
  const gw = await gatewayWithMock(t, 'anthropic', {}, '')
  gw.mock.respond(anthropicMock.answer({ text: 'Hi.' }))
  const created = await adminCall(gw.app, { method: 'POST', url: '/api/admin/models', payload: { id: 'anthropic/claude-opus-4-1', aliases: ['claude-best'] } })
  t.equal(created.statusCode, 201)
  const payload = { model: 'claude-best', max_tokens: 100, messages: [{ role: 'user', content: 'Hi' }] }
  const res = await gw.app.inject({ method: 'POST', url: '/v1/messages', headers: { 'x-api-key': gw.key }, payload })
  t.equal(res.statusCode, 200)
  t.equal(gw.mock.requests[0]?.body.model, 'claude-opus-4-1', 'the alias went up as its model')
  t.equal(gw.usage[0]?.model, 'anthropic/claude-opus-4-1', 'and is metered as it')

  const sonnetOnly = await issueKey(gw.app, { scopes: ['chat'], models: ['anthropic/claude-sonnet-*'] })
  for (const url of ['/v1/messages', '/v1/messages/count_tokens']) {
    const refused = await gw.app.inject({ method: 'POST', url, headers: { 'x-api-key': sonnetOnly.key }, payload })
    t.same([refused.statusCode, refused.json()], [401, UNAUTHORIZED], `${url}: an alias bypasses no pattern`)
  }
  t.equal(gw.mock.requests.length, 1)
})

test('x-api-key authenticates on the Anthropic routes only; a bad or missing key gets the standard 401', async (t) => {
  const gw = await gatewayWithMock(t, 'anthropic', {}, '')
  gw.mock.respond(anthropicMock.answer({ text: 'Hi.' }))
  const payload = { model: 'anthropic/claude-sonnet-4-5', max_tokens: 10, messages: [{ role: 'user', content: 'Hi' }] }
  for (const headers of [{ 'x-api-key': 'hgk_not-a-real-key-0123456789' }, {}, { 'x-api-key': `${gw.key} extra` }, { authorization: 'Bearer hgk_wrong-key-0123456789abcdef' }]) {
    const res = await gw.app.inject({ method: 'POST', url: '/v1/messages', headers, payload })
    t.equal(res.statusCode, 401)
    t.same(res.json(), UNAUTHORIZED, 'the seeds\' body, not Anthropic\'s')
  }
  const chat = await gw.app.inject({ method: 'POST', url: '/api/v2/chat/completions', headers: { 'x-api-key': gw.key }, payload: { model: 'anthropic/claude-sonnet-4-5', messages: [{ role: 'user', content: 'Hi' }] } })
  t.equal(chat.statusCode, 401, 'other routes take only Authorization')
  t.same(chat.json(), UNAUTHORIZED)
  const ok = await gw.app.inject({ method: 'POST', url: '/v1/messages', headers: { 'x-api-key': gw.key }, payload })
  t.equal(ok.statusCode, 200)
  t.equal(gw.mock.requests.length, 1, 'only the authenticated call went upstream')
})

test('the OpenAPI document shows the Anthropic routes once, with x-api-key and every status\'s schema', async (t) => {
  const gw = await gatewayWithMock(t, 'anthropic', {}, '')
  const doc = (await gw.app.inject({ url: '/openapi.json' })).json()
  const path = (p: string): any => doc.paths[p] ?? doc.paths[`${p}/`]
  const messages = path('/v1/messages')?.post
  t.same(messages?.tags, ['anthropic-compatible'])
  t.same(messages?.security, [{ apiKeyHeader: [] }, { bearerAuth: [] }])
  t.ok(messages?.responses['200'].content['text/event-stream'], 'the stream is documented')
  for (const status of ['400', '401', '402', '404', '413', '429', '502', '503', '504']) t.ok(messages?.responses[status]?.content, `${status} has a schema`)
  t.match(JSON.stringify(messages?.responses['429']), /AnthropicErrorBody|invalid_request_error/)
  t.ok(path('/v1/messages/count_tokens')?.post, 'count_tokens documented')
  t.notOk(path('/api/v2/messages'), 'the alias is served but not listed twice')
  t.match(doc.components.securitySchemes.apiKeyHeader, { type: 'apiKey', in: 'header', name: 'x-api-key' })
})
