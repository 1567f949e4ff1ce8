import { test } from 'tap'
import { ADMIN_KEY, UNAUTHORIZED, adminCall, bearer, issueKey } from '../helpers/build.js'
import { gatewayWithMock } from '../helpers/gateway.js'
import { openAIErrorLike } from '../helpers/openai-error.js'

/*
 * A key holder cannot stall the gateway through its model allow-list: the pattern below, compiled to a backtracking
 * RegExp, blocked the event loop for 42 s against a 52-character model name. Patterns and names have length caps.
 */

const EVIL = 'a*a*a*a*a*a*a*a*a*a*b'

test('a key allowed "a*a*a*a*a*a*a*a*a*a*b" asking for a 52-character model is answered at once', async (t) => {
  const gw = await gatewayWithMock(t, 'openai')
  const { key } = await issueKey(gw.app, { scopes: ['chat', 'embeddings', 'images'], models: [EVIL] })
  const model = 'a/' + 'a'.repeat(50)
  for (const [url, payload] of [
    ['/api/v2/chat/completions', { model, messages: [{ role: 'user', content: 'hi' }] }],
    ['/api/v2/embeddings', { model, input: 'hi' }],
    ['/api/v2/images/generations', { model, prompt: 'a cat' }]
  ] as const) {
    const res = await gw.app.inject({ method: 'POST', url, headers: bearer(key), payload })
    t.equal(res.statusCode, 401, `${url}: the model is not allowed`)
    t.same(res.json(), UNAUTHORIZED)
  }
  const allowed = await gw.app.inject({ method: 'POST', url: '/api/v2/chat/completions', headers: bearer(key), payload: { model: model + 'b', messages: [{ role: 'user', content: 'hi' }] } })
  t.equal(allowed.statusCode, 400, 'a name the pattern does match passes the allow-list (and is then an unknown provider)')
  t.match(allowed.json(), openAIErrorLike(/Unknown provider "a"/))
  const health = await gw.app.inject({ url: '/health/live' })
  t.equal(health.statusCode, 200, 'the gateway still answers')
})

test('model patterns and model names have length caps, refused with a clear 400', async (t) => {
  const gw = await gatewayWithMock(t, 'openai')
  const long = await adminCall(gw.app, { method: 'POST', url: '/api/admin/access-keys', payload: { name: 'k', models: ['openai/' + 'a*'.repeat(100)] } })
  t.equal(long.statusCode, 400)
  t.match(long.json(), { error: 'Bad Request', message: 'body/models/0 must NOT have more than 200 characters' })
  await t.rejects(gw.app.accessKeys.create({ name: 'k', models: ['openai/' + 'a'.repeat(300)] }), { statusCode: 400, message: 'a model pattern is at most 200 characters; one has 307' }, 'the CLI\'s path too')

  const name = 'openai/' + 'x'.repeat(260)
  for (const [url, payload] of [
    ['/api/v2/chat/completions', { model: name, messages: [{ role: 'user', content: 'hi' }] }],
    ['/api/v2/embeddings', { model: name, input: 'hi' }],
    ['/api/v2/images/generations', { model: name, prompt: 'a cat' }],
    ['/api/v1/chat/completions', { model: name, prompt: 'hi' }],
    ['/api/v2/chat', { input: { messages: [{ role: 'user', content: 'hi' }], modelOptions: { model: name } } }]
  ] as const) {
    const res = await gw.app.inject({ method: 'POST', url, headers: bearer(ADMIN_KEY), payload })
    t.equal(res.statusCode, 400, `${url}: a model name over 256 characters`)
    t.match(res.json().message, /^body\/(input\/modelOptions\/)?model (must be "provider\/model"|expected string length less or equal to 256)/, url)
  }
  t.throws(() => gw.app.providers.registry.resolve(name), { statusCode: 400, message: 'A model name is at most 256 characters; this one has 267.' }, 'and for callers past the schemas')
})
