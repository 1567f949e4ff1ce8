import { test } from 'tap'
import { bearer, issueKey, UNAUTHORIZED } from '../../helpers/build.js'
import { byPath, geminiMediaMock, openAIMediaMock, vectorFor } from '../../helpers/mock-media.js'
import { sendJson } from '../../helpers/mock-server.js'
import { gatewayWithMock } from '../../helpers/gateway.js'
import { openAIError, openAIErrorLike } from '../../helpers/openai-error.js'

test('POST /api/v2/embeddings with an OpenAI body: passed through to OpenAI, answered in OpenAI\'s list format', async (t) => {
  const gw = await gatewayWithMock(t, 'openai')
  const { key } = await issueKey(gw.app, { scopes: ['embeddings'] })
  gw.mock.respond(openAIMediaMock.embeddings(7))

  const res = await gw.app.inject({
    method: 'POST', url: '/api/v2/embeddings', headers: bearer(key),
    payload: { model: 'openai/text-embedding-3-small', input: ['first', 'second'], dimensions: 3, encoding_format: 'float' }
  })
  t.equal(res.statusCode, 200)
  t.same(res.json(), {
    object: 'list',
    data: [{ object: 'embedding', index: 0, embedding: vectorFor('first', 0) }, { object: 'embedding', index: 1, embedding: vectorFor('second', 1) }],
    model: 'text-embedding-3-small-v2',
    usage: { prompt_tokens: 7, total_tokens: 7 }
  })
  t.match(gw.mock.requests.at(-1), { method: 'POST', url: '/embeddings' })
  t.same(gw.mock.requests.at(-1)?.body, { model: 'text-embedding-3-small', input: ['first', 'second'], dimensions: 3, encoding_format: 'float' }, 'same body, upstream model name')
  t.match(gw.usage.at(-1), { model: 'openai/text-embedding-3-small', promptTokens: 7, completionTokens: 0, status: 200 })

  const chatKey = await gw.app.inject({ method: 'POST', url: '/api/v2/embeddings', headers: bearer(gw.key), payload: { model: 'openai/text-embedding-3-small', input: 'x' } })
  t.equal(chatKey.statusCode, 401, 'a key without the embeddings scope')
  t.same(chatKey.json(), UNAUTHORIZED)
})

test('POST /api/v2/embeddings with an AIGNE envelope: vectors in input order, usage and credits', async (t) => {
  const gw = await gatewayWithMock(t, 'openai')
  const { key } = await issueKey(gw.app, { scopes: ['embeddings'] })
  // straight into the catalog: this test is about the answer, and an output rate of 0 is what embeddings have
  await gw.app.catalog.create({ id: 'openai/text-embedding-3-small', kind: 'embedding', inputRate: 0.02, outputRate: 0 })
  gw.mock.respond(openAIMediaMock.embeddings(4))

  const res = await gw.app.inject({
    method: 'POST', url: '/api/v2/embeddings', headers: bearer(key),
    payload: { input: { input: ['alpha', 'beta'], modelOptions: { model: 'openai/text-embedding-3-small', dimensions: 3 } }, agent: '$CHAT_MODEL', options: { streaming: false } }
  })
  t.equal(res.statusCode, 200)
  t.same(res.json(), {
    embeddings: [vectorFor('alpha', 0), vectorFor('beta', 1)],
    usage: { inputTokens: 4, outputTokens: 0, aigneHubCredits: 4 * 0.02 / 1e6 },
    model: 'openai/text-embedding-3-small'
  })
  t.same(gw.mock.requests.at(-1)?.body, { model: 'text-embedding-3-small', input: ['alpha', 'beta'], dimensions: 3 })

  const missingModel = await gw.app.inject({ method: 'POST', url: '/api/v2/embeddings', headers: bearer(key), payload: { input: { input: 'x' } } })
  t.equal(missingModel.statusCode, 400)
  t.match(missingModel.json(), { error: { message: /modelOptions\/model is required/, type: 'invalid_request_error' } })

  const emptyText = await gw.app.inject({ method: 'POST', url: '/api/v2/embeddings', headers: bearer(key), payload: { input: { input: [''], modelOptions: { model: 'openai/text-embedding-3-small' } } } })
  t.equal(emptyText.statusCode, 400)
  t.match(emptyText.json().message, 'body/input/input must be a non-empty string or an array of 1 to 2048 non-empty strings')
})

test('Gemini embeddings: one text through embedContent, several through batchEmbedContents; base64 on request', async (t) => {
  const gw = await gatewayWithMock(t, 'gemini', {}, '')
  const { key } = await issueKey(gw.app, { scopes: ['embeddings'] })
  gw.mock.respond(geminiMediaMock.embeddings())
  const embed = async (payload: Record<string, unknown>): Promise<any> =>
    (await gw.app.inject({ method: 'POST', url: '/api/v2/embeddings', headers: bearer(key), payload })).json()

  const one = await embed({ model: 'gemini/gemini-embedding-001', input: 'hello', dimensions: 8 })
  t.same(one.data, [{ object: 'embedding', index: 0, embedding: vectorFor('hello', 0) }])
  t.same(one.usage, { prompt_tokens: 2, total_tokens: 2 }, 'Gemini reports no tokens here: ~4 bytes a token, rounded up')
  t.equal(gw.mock.requests.at(-1)?.url, '/models/gemini-embedding-001:embedContent')
  t.same(gw.mock.requests.at(-1)?.body, { content: { parts: [{ text: 'hello' }] }, outputDimensionality: 8 })
  t.equal(gw.mock.requests.at(-1)?.headers['x-goog-api-key'], 'AIza-test-provider-0123456789')

  const many = await embed({ model: 'gemini/gemini-embedding-001', input: ['a', 'bb'] })
  t.same(many.data.map((d: any) => d.embedding), [vectorFor('a', 0), vectorFor('bb', 1)])
  t.same(gw.mock.requests.at(-1)?.body, { requests: [
    { model: 'models/gemini-embedding-001', content: { parts: [{ text: 'a' }] } },
    { model: 'models/gemini-embedding-001', content: { parts: [{ text: 'bb' }] } }
  ] })
  t.equal(gw.mock.requests.at(-1)?.url, '/models/gemini-embedding-001:batchEmbedContents')
  t.same(many.usage, { prompt_tokens: 2, total_tokens: 2 }, 'each text estimated on its own')
  await gw.app.metering.recorder.flush()
  const metered = await gw.app.store.db.selectFrom('usage_records').select(['prompt_tokens', 'total_tokens']).orderBy('at').execute()
  t.same(metered.map((r) => r.prompt_tokens), [2, 2], 'and the estimate is what is metered, not 0')
  gw.mock.respond((_req, res) => { sendJson(res, 200, { embedding: { values: [0.5] }, usageMetadata: { promptTokenCount: 7 } }) })
  t.same((await embed({ model: 'gemini/gemini-embedding-001', input: 'hello' })).usage, { prompt_tokens: 7, total_tokens: 7 }, 'a count Gemini reports wins')
  gw.mock.respond(geminiMediaMock.embeddings())

  const encoded = await embed({ model: 'gemini/gemini-embedding-001', input: 'hello', encoding_format: 'base64' })
  const bytes = Buffer.from(encoded.data[0].embedding, 'base64')
  t.same(Array.from(new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4)), vectorFor('hello', 0), 'little-endian float32, as OpenAI encodes')

  const tokens = await gw.app.inject({ method: 'POST', url: '/api/v2/embeddings', headers: bearer(key), payload: { model: 'gemini/gemini-embedding-001', input: [1, 2, 3] } })
  t.equal(tokens.statusCode, 400)
  t.match(tokens.json().message, 'Gemini embeds text only')
})

test('embeddings and images a provider cannot serve are refused clearly before any upstream call', async (t) => {
  const gw = await gatewayWithMock(t, 'anthropic', {}, '')
  const { key } = await issueKey(gw.app, { scopes: ['embeddings', 'images'] })
  const embeddings = await gw.app.inject({ method: 'POST', url: '/api/v2/embeddings', headers: bearer(key), payload: { model: 'anthropic/claude-haiku-4-5', input: 'x' } })
  t.equal(embeddings.statusCode, 400)
  t.same(embeddings.json(), openAIError('Provider anthropic does not offer embeddings through this gateway.', 'invalid_request_error', 'HUB_UNSUPPORTED_REQUEST'),
    'an OpenAI body gets OpenAI\'s error shape')
  const images = await gw.app.inject({ method: 'POST', url: '/api/v2/images/generations', headers: bearer(key), payload: { model: 'anthropic/claude-haiku-4-5', prompt: 'x' } })
  t.equal(images.statusCode, 400)
  t.match(images.json(), openAIErrorLike('Provider anthropic does not offer images through this gateway.'), 'the OpenAI-compatible family answers in OpenAI\'s shape')
  t.equal(gw.mock.requests.length, 0)
})

test('POST /api/v2/images/generations: OpenAI Images passed through, the provider\'s bytes answered', async (t) => {
  const gw = await gatewayWithMock(t, 'openai')
  const { key } = await issueKey(gw.app, { scopes: ['images'] })
  gw.mock.respond(byPath({ '/images/generations': openAIMediaMock.images({ url: 'https://images.example/a.png', revisedPrompt: 'A red apple on a table' }) }))

  const res = await gw.app.inject({
    method: 'POST', url: '/api/v2/images/generations', headers: bearer(key),
    payload: { model: 'openai/dall-e-3', prompt: 'an apple', n: 1, size: '1024x1024', response_format: 'url' }
  })
  t.equal(res.statusCode, 200)
  t.same(res.json(), { created: 1741570283, data: [{ url: 'https://images.example/a.png', revised_prompt: 'A red apple on a table' }] })
  t.same(gw.mock.requests.at(-1)?.body, { model: 'dall-e-3', prompt: 'an apple', n: 1, size: '1024x1024', response_format: 'url' })

  const bad = await gw.app.inject({ method: 'POST', url: '/api/v2/images/generations', headers: bearer(key), payload: { model: 'openai/dall-e-3', prompt: '' } })
  t.equal(bad.statusCode, 400)
  t.match(bad.json(), openAIErrorLike('body/prompt expected string length greater or equal to 1'))
})
