import { test } from 'tap'
import { bearer, issueKey, UNAUTHORIZED } from '../../helpers/build.js'
import { openAIMock } from '../../helpers/mock-openai.js'
import { gatewayWithMock } from '../../helpers/gateway.js'

const chatBody = (input: Record<string, unknown> = {}, rest: Record<string, unknown> = {}): Record<string, unknown> => ({
  input: { messages: [{ role: 'user', content: 'hi' }], modelOptions: { model: 'openai/gpt-4o-mini' }, ...input },
  agent: '$CHAT_MODEL',
  ...rest
})

test('POST /api/v2/chat refuses bad envelopes with a 400 the AIGNE client can show, before any provider call', async (t) => {
  const gw = await gatewayWithMock(t, 'openai')
  const send = async (payload: unknown): Promise<{ status: number, message: string, body: any }> => {
    const res = await gw.app.inject({ method: 'POST', url: '/api/v2/chat', headers: bearer(gw.key), payload: payload as object })
    const body = res.json()
    t.equal(body.error.message, body.message, 'the nested message and the top-level one agree')
    return { status: res.statusCode, message: body.message, body }
  }

  // the flat OpenAI-style body is accepted too (test/routes/aigne/seeds.test.ts); a body that is neither names both
  const neither = await send({ prompt: 'hi', model: 'openai/gpt-4o-mini' })
  t.equal(neither.status, 400)
  t.match(neither.message, 'must be the AIGNE envelope {"input":')
  t.match(neither.message, 'or an OpenAI-style body {"model":"provider/model","messages":[…]}')
  t.same(neither.body.error.type, 'invalid_request_error')

  const cases: Array<[unknown, string | RegExp]> = [
    [chatBody({ modelOptions: {} }), 'body/input/modelOptions/model is required'],
    [chatBody({ modelOptions: { model: 'gpt 4o' } }), 'must be "provider/model"'],
    [chatBody({}, { agent: 'writer' }), 'body/agent must be "$CHAT_MODEL"'],
    [chatBody({ messages: [{ role: 'assistant', content: 'x' }] }), 'body/input/messages/0/role must be one of: system, user, agent, tool'],
    [chatBody({ messages: [{ role: 'user', content: [{ type: 'local', path: '/etc/passwd' }] }] }), 'a local file must be sent as "file" with base64 data'],
    [chatBody({ messages: [{ role: 'user', content: 'hi' }, { role: 'tool', content: '42' }] }), 'a tool message needs tool_call_id'],
    [chatBody({ modelOptions: { model: 'openai/gpt-4o-mini', temperature: 7 } }), /temperature expected number to be less or equal to 2/],
    [chatBody({ tools: [{ type: 'function', function: { name: 'bad name!', parameters: {} } }] }), /tools\/0\/function\/name/],
    [chatBody({ modelOptions: { model: 'nope/x' } }), 'Unknown provider "nope"'],
    [chatBody({ modelOptions: { model: 'anthropic/claude-haiku-4-5' } }), 'Provider "anthropic" is not configured'],
    [chatBody({ messages: [{ role: 'user', content: 'hi', extra: JSON.parse('['.repeat(70) + ']'.repeat(70)) }] }), 'nests deeper than 64 levels']
  ]
  for (const [payload, expected] of cases) {
    const { status, message } = await send(payload)
    t.equal(status, 400, String(expected))
    t.match(message, expected)
  }
  t.equal(gw.mock.requests.length, 0, 'no bad request reached the provider')
})

test('AIGNE routes: 401 stays exactly the standard body; scope and model allow-lists apply; upstream statuses keep their meaning', async (t) => {
  const gw = await gatewayWithMock(t, 'openai')
  for (const url of ['/api/v2/chat', '/api/v2/image', '/api/v2/embeddings', '/api/v1/chat/completions', '/api/v2/completions']) {
    const res = await gw.app.inject({ method: 'POST', url, payload: chatBody() })
    t.equal(res.statusCode, 401, url)
    t.same(res.json(), UNAUTHORIZED, url)
    t.equal(res.headers['www-authenticate'], 'Bearer realm="hubgate"')
  }

  const limited = await issueKey(gw.app, { scopes: ['chat'], models: ['openai/gpt-4o'] })
  const other = await gw.app.inject({ method: 'POST', url: '/api/v2/chat', headers: bearer(limited.key), payload: chatBody() })
  t.equal(other.statusCode, 401, 'a model the key may not use')
  t.same(other.json(), UNAUTHORIZED)

  gw.mock.respond(openAIMock.error(429, 'Rate limit reached for gpt-4o-mini', { 'retry-after': '7' }))
  const limitedUpstream = await gw.app.inject({ method: 'POST', url: '/api/v2/chat', headers: bearer(gw.key), payload: chatBody() })
  t.equal(limitedUpstream.statusCode, 429)
  t.equal(limitedUpstream.headers['retry-after'], '7')
  t.same(limitedUpstream.json().error, { message: 'Provider openai is rate limiting requests: Rate limit reached for gpt-4o-mini', type: 'rate_limit_error' })

  gw.mock.respond(openAIMock.error(401, 'Incorrect API key provided: sk-test-provider-openai-0123456789'))
  const badCredential = await gw.app.inject({ method: 'POST', url: '/api/v2/chat', headers: bearer(gw.key), payload: chatBody({}, { options: { streaming: true } }) })
  t.equal(badCredential.statusCode, 502, 'the provider refusing the gateway\'s key is not the caller\'s 401')
  t.equal(badCredential.json().error.type, 'upstream_error')
  t.notMatch(badCredential.body, 'sk-test-provider', 'the provider credential never reaches the client')
})

test('GET /api/v2/status: availability of a model for the calling key', async (t) => {
  const gw = await gatewayWithMock(t, 'openai')
  const status = async (query: string, key = gw.key): Promise<any> =>
    (await gw.app.inject({ url: `/api/v2/status${query}`, headers: bearer(key) })).json()

  t.same(await status(''), { available: true })
  t.same(await status('?model=openai/gpt-4o-mini'), { available: true })
  t.same(await status('?model=openai/text-embedding-3-small'), { available: true }, 'embedding models count too')
  t.match(await status('?model=anthropic/claude-haiku-4-5'), { available: false, code: 'HUB_PROVIDER_NOT_CONFIGURED', error: /not configured/ })
  t.match(await status('?model=openai/not-a-model'), { available: false, code: 'HUB_UNKNOWN_MODEL' })
  const limited = await issueKey(gw.app, { scopes: ['chat'], models: ['openai/gpt-4o'] })
  t.same(await status('?model=openai/gpt-4o-mini', limited.key), { available: false, error: 'This access key may not use model "openai/gpt-4o-mini".', code: 'HUB_MODEL_NOT_ALLOWED' })

  const anonymous = await gw.app.inject({ url: '/api/v2/status?model=openai/gpt-4o-mini' })
  t.equal(anonymous.statusCode, 401)
  t.same(anonymous.json(), UNAUTHORIZED)
})

test('the OpenAPI document lists the AIGNE routes and marks the legacy ones deprecated', async (t) => {
  const gw = await gatewayWithMock(t, 'openai')
  const doc = (await gw.app.inject({ url: '/openapi.json' })).json()
  for (const path of ['/api/v2/chat/', '/api/v2/image/', '/api/v2/embeddings/', '/api/v2/images/generations/', '/api/v2/status/', '/api/ai/models/', '/__blocklet__.js']) {
    t.ok(doc.paths[path], path)
  }
  const legacy = ['/api/v1/chat/completions/', '/api/v1/completions/', '/api/v2/completions/', '/api/v1/embeddings/', '/api/v1/image/generations/', '/api/v2/image/generations/']
  for (const path of legacy) t.equal(doc.paths[path]?.post?.deprecated, true, `${path} is deprecated`)
  t.notOk(doc.paths['/api/v2/chat/'].post.deprecated)
  t.same(doc.paths['/api/v2/chat/'].post.responses['400'].content['application/json'].schema.properties.error.type, 'object', 'AIGNE errors are documented nested')
})
