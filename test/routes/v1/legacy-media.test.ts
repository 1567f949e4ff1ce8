import { test } from 'tap'
import { adminCall, bearer, issueKey, UNAUTHORIZED } from '../../helpers/build.js'
import { byPath, openAIMediaMock, vectorFor } from '../../helpers/mock-media.js'
import { gatewayWithMock } from '../../helpers/gateway.js'

test('POST /api/v1/embeddings: {model, input} answered with `data` (OpenAI\'s list), bare model names accepted', async (t) => {
  const gw = await gatewayWithMock(t, 'openai')
  const { key } = await issueKey(gw.app, { scopes: ['embeddings'] })
  gw.mock.respond(openAIMediaMock.embeddings(3))

  const res = await gw.app.inject({ method: 'POST', url: '/api/v1/embeddings', headers: bearer(key), payload: { model: 'text-embedding-3-small', input: 'tide tables' } })
  t.equal(res.statusCode, 200)
  t.same(res.json().data, [{ object: 'embedding', index: 0, embedding: vectorFor('tide tables', 0) }])
  t.same(gw.mock.requests.at(-1)?.body, { model: 'text-embedding-3-small', input: 'tide tables' })
  t.match(gw.usage.at(-1), { model: 'openai/text-embedding-3-small', promptTokens: 3 })

  const chatKey = await gw.app.inject({ method: 'POST', url: '/api/v1/embeddings', headers: bearer(gw.key), payload: { model: 'text-embedding-3-small', input: 'x' } })
  t.same([chatKey.statusCode, chatKey.json()], [401, UNAUTHORIZED], 'the embeddings scope is needed')
})

test('POST /api/v1/image/generations and /api/v2/image/generations: AI Kit images {images, data, model, usage}', async (t) => {
  const gw = await gatewayWithMock(t, 'openai')
  const { key } = await issueKey(gw.app, { scopes: ['images'] })
  await adminCall(gw.app, { method: 'POST', url: '/api/admin/models', payload: { id: 'openai/gpt-image-1', kind: 'image', inputRate: 5, outputRate: 40 } })

  gw.mock.respond(byPath({ '/images/generations': openAIMediaMock.images({ url: 'https://images.example/boat.png' }) }))
  const urls = await gw.app.inject({
    method: 'POST', url: '/api/v1/image/generations', headers: bearer(key),
    payload: { model: 'dall-e-3', prompt: 'a boat', n: 2, size: '1024x1024', responseFormat: 'url', style: null }
  })
  t.equal(urls.statusCode, 200)
  const boat = { url: 'https://images.example/boat.png' }
  t.same(urls.json(), { images: [boat, boat], data: [boat, boat], model: 'openai/dall-e-3', usage: {} })
  t.same(gw.mock.requests.at(-1)?.body, { model: 'dall-e-3', prompt: 'a boat', n: 2, size: '1024x1024', response_format: 'url' })

  const b64 = Buffer.from('pixels').toString('base64')
  gw.mock.respond(openAIMediaMock.images({ b64 }))
  const files = await gw.app.inject({
    method: 'POST', url: '/api/v2/image/generations', headers: bearer(key),
    payload: { model: 'openai/gpt-image-1', prompt: 'a boat', response_format: 'b64_json', quality: 'high' }
  })
  t.equal(files.statusCode, 200)
  t.same(files.json(), {
    images: [{ b64_json: b64, b64Json: b64 }],
    data: [{ b64_json: b64, b64Json: b64 }],
    model: 'openai/gpt-image-1',
    usage: { aigneHubCredits: (50 * 5 + 4160 * 40) / 1e6 }
  })

  const tooMany = await gw.app.inject({ method: 'POST', url: '/api/v2/image/generations', headers: bearer(key), payload: { model: 'openai/dall-e-2', prompt: 'x', n: 20 } })
  t.equal(tooMany.statusCode, 400)
  t.match(tooMany.json(), { error: { message: 'body/n must be an integer from 1 to 10 or null', type: 'invalid_request_error' } })
})
