import { test } from 'tap'
import { adminCall, bearer, issueKey, UNAUTHORIZED } from '../../helpers/build.js'
import { imagenMock, openAIMediaMock } from '../../helpers/mock-media.js'
import { sendJson } from '../../helpers/mock-server.js'
import { gatewayWithMock } from '../../helpers/gateway.js'
import { imageModel, listen } from './setup.js'

test('the official image client: URLs from dall-e, base64 files with token usage and credits from gpt-image-1', async (t) => {
  const gw = await gatewayWithMock(t, 'openai')
  const { key } = await issueKey(gw.app, { scopes: ['images'] })
  const origin = await listen(gw.app)

  gw.mock.respond(openAIMediaMock.images({ url: 'https://images.example/cat.png' }))
  const drawn = await imageModel(origin, key, 'openai/dall-e-3').invoke({
    prompt: 'A cat in a hat',
    n: 2,
    outputFileType: 'url',
    modelOptions: { size: '1024x1024', quality: 'hd', style: 'vivid' }
  })
  t.same(drawn.images, [
    { type: 'url', url: 'https://images.example/cat.png', mimeType: 'image/png' },
    { type: 'url', url: 'https://images.example/cat.png', mimeType: 'image/png' }
  ])
  t.same(drawn.usage, { inputTokens: 0, outputTokens: 0 }, 'dall-e reports no tokens')
  t.equal(drawn.model, 'openai/dall-e-3')
  t.same(gw.mock.requests.at(-1)?.body, { model: 'dall-e-3', prompt: 'A cat in a hat', n: 2, size: '1024x1024', quality: 'hd', style: 'vivid' },
    'camelCase options reached OpenAI as its own fields')
  t.match(gw.usage.at(-1), { model: 'openai/dall-e-3', provider: 'openai', status: 200 })

  await adminCall(gw.app, { method: 'POST', url: '/api/admin/models', payload: { id: 'openai/gpt-image-1', kind: 'image', inputRate: 5, outputRate: 40 } })
  const png = Buffer.from('not really a png').toString('base64')
  gw.mock.respond(openAIMediaMock.images({ b64: png }))
  const file = await imageModel(origin, key, 'openai/gpt-image-1').invoke({ prompt: 'A dog', outputFileType: 'file', modelOptions: { outputFormat: 'webp' } })
  t.same(file.images, [{ type: 'file', data: png, mimeType: 'image/webp' }])
  t.same(file.usage, { inputTokens: 50, outputTokens: 4160, aigneHubCredits: (50 * 5 + 4160 * 40) / 1e6 })
  t.equal(gw.mock.requests.at(-1)?.body.output_format, 'webp')
  t.match(gw.usage.at(-1), { model: 'openai/gpt-image-1', promptTokens: 50, completionTokens: 4160 })
})

test('POST /api/v2/image needs the images scope and answers errors in the nested shape', async (t) => {
  const gw = await gatewayWithMock(t, 'openai')
  const envelope = (input: Record<string, unknown>): Record<string, unknown> => ({ input: { prompt: 'A cat', modelOptions: { model: 'openai/dall-e-3' }, ...input }, agent: '$CHAT_MODEL' })

  const chatOnly = await gw.app.inject({ method: 'POST', url: '/api/v2/image', headers: { authorization: `Bearer ${gw.key}` }, payload: envelope({}) })
  t.equal(chatOnly.statusCode, 401)
  t.same(chatOnly.json(), UNAUTHORIZED)

  const { key } = await issueKey(gw.app, { scopes: ['images'] })
  const headers = { authorization: `Bearer ${key}` }
  const tooMany = await gw.app.inject({ method: 'POST', url: '/api/v2/image', headers, payload: envelope({ n: 11 }) })
  t.equal(tooMany.statusCode, 400)
  t.match(tooMany.json(), { error: { message: /n expected integer to be less or equal to 10/, type: 'invalid_request_error' } })

  const anthropic = await gw.app.inject({ method: 'POST', url: '/api/v2/image', headers, payload: envelope({ modelOptions: { model: 'anthropic/claude-sonnet-4-5' } }) })
  t.equal(anthropic.statusCode, 400)
  t.match(anthropic.json().error.message, /Provider "anthropic" is not configured/)

  const edit = await gw.app.inject({ method: 'POST', url: '/api/v2/image', headers, payload: envelope({ image: [{ type: 'url', url: 'https://x.example/a.png' }] }) })
  t.equal(edit.statusCode, 400)
  t.match(edit.json().message, 'image editing is not supported')
  t.equal(gw.mock.requests.length, 0, 'nothing reached the provider')
})

test('the official image client through Gemini Imagen: base64 files, the size as an aspect ratio', async (t) => {
  const gw = await gatewayWithMock(t, 'gemini', {}, '')
  const { key } = await issueKey(gw.app, { scopes: ['images'] })
  const png = Buffer.from('imagen pixels').toString('base64')
  gw.mock.respond(imagenMock.predict(png))

  const out = await imageModel(await listen(gw.app), key, 'gemini/imagen-4.0-generate-001').invoke({
    prompt: 'A lighthouse at dusk', n: 2, outputFileType: 'file', modelOptions: { size: '1536x864' }
  })
  t.same(out.images, [{ type: 'file', data: png, mimeType: 'image/png' }, { type: 'file', data: png, mimeType: 'image/png' }])
  t.equal(gw.mock.requests.at(-1)?.url, '/models/imagen-4.0-generate-001:predict')
  t.same(gw.mock.requests.at(-1)?.body, { instances: [{ prompt: 'A lighthouse at dusk' }], parameters: { sampleCount: 2, aspectRatio: '16:9' } })
  t.equal(gw.mock.requests.at(-1)?.headers['x-goog-api-key'], 'AIza-test-provider-0123456789')

  gw.mock.respond((_req, res) => sendJson(res, 200, { predictions: [{ raiFilteredReason: 'The prompt was blocked by the safety filter.' }] }))
  const filtered = await gw.app.inject({ method: 'POST', url: '/api/v2/image', headers: bearer(key), payload: { input: { prompt: 'x', modelOptions: { model: 'gemini/imagen-4.0-generate-001' } } } })
  t.equal(filtered.statusCode, 502)
  t.equal(filtered.json().error.message, 'Provider gemini generated no image: The prompt was blocked by the safety filter.')
})
