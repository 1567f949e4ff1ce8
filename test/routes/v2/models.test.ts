import { test } from 'tap'
import { bearer, build, issueKey, UNAUTHORIZED } from '../../helpers/build.js'
import { openAIError } from '../../helpers/openai-error.js'

const env = {
  OPENAI_API_KEY: 'sk-openai-test-key-123',
  OPENAI_MODELS: 'gpt-4o,gpt-4o-mini',
  ANTHROPIC_API_KEY: 'sk-ant-test-key-123',
  ANTHROPIC_MODELS: 'claude-sonnet-4-5',
  OPENROUTER_API_KEY: 'sk-or-test-key-123' // default "*": routable, listed nowhere
}

test('GET /api/v2/models lists, in OpenAI format, the configured models the key may use', async (t) => {
  const app = await build(t, env)
  const all = await issueKey(app, { scopes: ['chat'] })
  const res = await app.inject({ url: '/api/v2/models', headers: bearer(all.key) })
  t.equal(res.statusCode, 200)
  t.same(res.json(), {
    object: 'list',
    data: [
      { id: 'openai/gpt-4o', object: 'model', created: 0, owned_by: 'openai' },
      { id: 'openai/gpt-4o-mini', object: 'model', created: 0, owned_by: 'openai' },
      { id: 'anthropic/claude-sonnet-4-5', object: 'model', created: 0, owned_by: 'anthropic' }
    ]
  })
})

test('the key\'s model patterns filter the list; without the chat scope it is empty', async (t) => {
  const app = await build(t, env)
  const anthropicOnly = await issueKey(app, { scopes: ['chat'], models: ['anthropic/*', 'openai/gpt-4o'] })
  const ids = (await app.inject({ url: '/api/v2/models', headers: bearer(anthropicOnly.key) })).json().data.map((m: { id: string }) => m.id)
  t.same(ids, ['openai/gpt-4o', 'anthropic/claude-sonnet-4-5'])
  const embeddings = await issueKey(app, { scopes: ['embeddings'] })
  t.same((await app.inject({ url: '/api/v2/models', headers: bearer(embeddings.key) })).json(), { object: 'list', data: [] })
})

test('GET /api/v2/models/{provider/model} describes one visible model, 404 otherwise', async (t) => {
  const app = await build(t, env)
  const key = await issueKey(app, { scopes: ['chat'], models: ['openai/*'] })
  const one = await app.inject({ url: '/api/v2/models/openai/gpt-4o-mini', headers: bearer(key.key) })
  t.same(one.json(), { id: 'openai/gpt-4o-mini', object: 'model', created: 0, owned_by: 'openai' })
  const hidden = await app.inject({ url: '/api/v2/models/anthropic/claude-sonnet-4-5', headers: bearer(key.key) })
  t.equal(hidden.statusCode, 404)
  t.same(hidden.json(), openAIError('Model "anthropic/claude-sonnet-4-5" is not available to this key.', 'invalid_request_error', 'model_not_found'))
})

test('the model list needs a valid key', async (t) => {
  const app = await build(t, env)
  const res = await app.inject({ url: '/api/v2/models' })
  t.equal(res.statusCode, 401)
  t.same(res.json(), UNAUTHORIZED)
})

test('with no provider configured the list is empty and every chat model is "not configured"', async (t) => {
  const app = await build(t)
  const key = await issueKey(app, { scopes: ['chat'] })
  t.same((await app.inject({ url: '/api/v2/models', headers: bearer(key.key) })).json(), { object: 'list', data: [] })
  const res = await app.inject({ method: 'POST', url: '/api/v2/chat/completions', headers: bearer(key.key), payload: { model: 'openai/gpt-4o', messages: [{ role: 'user', content: 'hi' }] } })
  t.same(res.json(), openAIError('Provider "openai" is not configured on this gateway. GET /api/v2/models lists the models this key may use.', 'invalid_request_error', 'HUB_PROVIDER_NOT_CONFIGURED'))
})

test('the OpenAPI document describes the OpenAI-compatible routes and how unknown fields are treated', async (t) => {
  const app = await build(t)
  const doc = (await app.inject({ url: '/openapi.json' })).json()
  const path = (p: string): any => doc.paths[p] ?? doc.paths[`${p}/`] // autoloaded "/" routes are listed with the slash
  const chat = path('/api/v2/chat/completions')?.post
  t.ok(chat, 'chat completions documented')
  t.match(JSON.stringify(chat.requestBody), /passed unchanged to OpenAI-compatible providers/)
  t.ok(chat.responses['200'].content['text/event-stream'], 'the stream is documented')
  t.ok(path('/api/v2/models')?.get, 'models documented')
})
