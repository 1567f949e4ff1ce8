import { test } from 'tap'
import { bearer, issueKey, UNAUTHORIZED } from '../../helpers/build.js'
import { openAIMock } from '../../helpers/mock-openai.js'
import { gatewayWithMock } from '../../helpers/gateway.js'
import { openAIError } from '../../helpers/openai-error.js'

const hello = { model: 'openai/gpt-4o', messages: [{ role: 'user', content: 'hi' }] }

test('model names that cannot be routed get a clear 400 and reach no provider', async (t) => {
  const gw = await gatewayWithMock(t, 'openai')
  const cases: Array<[string, RegExp]> = [
    ['nope/some-model', /^Unknown provider "nope" in model "nope\/some-model"/],
    ['anthropic/claude-sonnet-4-5', /^Provider "anthropic" is not configured on this gateway/],
    ['openai/gpt-9-imaginary', /^Model "openai\/gpt-9-imaginary" is not offered by this gateway/],
    ['gpt 4o', /^body\/model must be "provider\/model"/]
  ]
  for (const [model, message] of cases) {
    const res = await gw.chat({ ...hello, model })
    t.equal(res.statusCode, 400, model)
    t.match(res.json().error, { type: 'invalid_request_error', message })
    t.match(res.json().message, message)
  }
  t.equal(gw.mock.requests.length, 0)
  t.equal(gw.usage.length, 3, 'routing failures after validation are metered too')
  t.match(gw.usage[0], { provider: 'nope', upstreamModel: 'some-model', status: 400 })
})

test('OPENAI_MODELS replaces the list, and "*" admits any model name', async (t) => {
  const listed = await gatewayWithMock(t, 'openai', { OPENAI_MODELS: 'my-finetune, gpt-4o' })
  listed.mock.respond(openAIMock.answer({ content: 'ok' }))
  t.equal((await listed.chat({ ...hello, model: 'openai/my-finetune' })).statusCode, 200)
  t.equal((await listed.chat({ ...hello, model: 'openai/gpt-4o-mini' })).statusCode, 400)

  const open = await gatewayWithMock(t, 'openai', { OPENAI_MODELS: '*' })
  open.mock.respond(openAIMock.answer({ content: 'ok' }))
  t.equal((await open.chat({ ...hello, model: 'openai/anything-new' })).statusCode, 200)
  t.equal(open.mock.requests[0]?.body.model, 'anything-new')
})

test('a key without the chat scope, or not allowed the model, gets the standard 401', async (t) => {
  const gw = await gatewayWithMock(t, 'openai')
  const embeddingsOnly = await issueKey(gw.app, { scopes: ['embeddings'] })
  const otherModels = await issueKey(gw.app, { scopes: ['chat'], models: ['anthropic/*'] })
  for (const key of [embeddingsOnly.key, otherModels.key]) {
    const res = await gw.app.inject({ method: 'POST', url: '/api/v2/chat/completions', headers: bearer(key), payload: hello })
    t.equal(res.statusCode, 401)
    t.same(res.json(), UNAUTHORIZED)
  }
  const none = await gw.app.inject({ method: 'POST', url: '/api/v2/chat/completions', payload: hello })
  t.same(none.json(), UNAUTHORIZED)
  t.equal(gw.mock.requests.length, 0)
})

test('__proto__ and constructor.prototype keys are refused with a clean 400', async (t) => {
  const gw = await gatewayWithMock(t, 'openai')
  for (const raw of [
    '{"model":"openai/gpt-4o","messages":[{"role":"user","content":"hi"}],"__proto__":{"admin":true}}',
    '{"model":"openai/gpt-4o","messages":[{"role":"user","content":"hi","constructor":{"prototype":{"admin":true}}}]}'
  ]) {
    const res = await gw.chat(raw as never, { 'content-type': 'application/json' })
    t.equal(res.statusCode, 400)
    t.same(Object.keys(res.json()).sort(), ['error', 'message'])
    t.match(res.json().error, { type: 'invalid_request_error', code: 'HUB_BAD_REQUEST' })
  }
  t.equal(gw.mock.requests.length, 0)
})

test('request limits: nesting depth, message count and body size', async (t) => {
  const gw = await gatewayWithMock(t, 'openai', { CHAT_BODY_LIMIT: '262144' })
  let deep: Record<string, unknown> = { type: 'string' }
  for (let i = 0; i < 80; i++) deep = { type: 'object', properties: { x: deep } }
  const tooDeep = await gw.chat({ ...hello, tools: [{ type: 'function', function: { name: 'f', parameters: deep } }] })
  t.equal(tooDeep.statusCode, 400)
  t.same(tooDeep.json(), openAIError('body nests deeper than 64 levels', 'invalid_request_error', 'HUB_BAD_REQUEST'))

  const many = await gw.chat({ ...hello, messages: Array.from({ length: 4097 }, () => ({ role: 'user', content: 'x' })) })
  t.equal(many.statusCode, 400)
  t.equal(many.json().message, 'body/messages must be an array of 1 to 4096 messages')

  const huge = await gw.chat({ ...hello, messages: [{ role: 'user', content: 'x'.repeat(270_000) }] })
  t.equal(huge.statusCode, 413)
  t.match(huge.json(), { error: { type: 'invalid_request_error', param: null }, message: /too large/i })
  t.equal(gw.mock.requests.length, 0)
})

test('message rules the schema cannot express are checked before any provider call', async (t) => {
  const gw = await gatewayWithMock(t, 'openai')
  const cases: Array<[unknown[], string]> = [
    [[{ role: 'tool', content: 'result' }], 'body/messages/0: a tool message needs tool_call_id'],
    [[{ role: 'user', content: 'hi', tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{}' } }] }], 'body/messages/0: only assistant messages carry tool_calls'],
    [[{ role: 'user', content: 'hi' }, { role: 'assistant', content: null }], 'body/messages/1: content is required unless the message has tool_calls'],
    [[{ role: 'system', content: [{ type: 'image_url', image_url: { url: 'https://x/y.png' } }] }], 'body/messages/0: only user messages may contain image parts']
  ]
  for (const [messages, message] of cases) {
    const res = await gw.chat({ ...hello, messages })
    t.same(res.json(), openAIError(message, 'invalid_request_error', 'HUB_BAD_REQUEST'))
  }
  const badRole = await gw.chat({ ...hello, messages: [{ role: 'robot', content: 'hi' }] })
  t.equal(badRole.statusCode, 400)
  t.equal(badRole.json().message, 'body/messages/0/role must be one of: system, developer, user, assistant, tool')
  t.match(badRole.json().error, { param: 'messages.[0].role', code: 'invalid_value' }, 'OpenAI\'s notation for the offending field')
  const badContent = await gw.chat({ ...hello, messages: [{ role: 'user', content: { text: 'hi' } }] })
  t.equal(badContent.statusCode, 400)
  t.equal(badContent.json().message, 'body/messages/0/content must be a string, an array of text / image_url parts, or null')
  t.equal(gw.mock.requests.length, 0)
})
