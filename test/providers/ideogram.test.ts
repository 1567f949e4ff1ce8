import { test } from 'tap'
import { adminCall, bearer, issueKey } from '../helpers/build.js'
import { formFields, ideogramMock } from '../helpers/mock-ideogram.js'
import { gatewayWithMock, PROVIDER_KEYS } from '../helpers/gateway.js'

const model = 'ideogram/ideogram-v3'

test('OpenAI image generations reach Ideogram as its multipart form and come back as URLs, metered per image', async (t) => {
  const gw = await gatewayWithMock(t, 'ideogram', {}, '')
  const { key } = await issueKey(gw.app, { scopes: ['images'] })
  const priced = await adminCall(gw.app, { method: 'POST', url: '/api/admin/models', payload: { id: model, kind: 'image', imageRate: 60 } })
  t.equal(priced.statusCode, 201, priced.body)
  gw.mock.respond(ideogramMock.images({}, PROVIDER_KEYS.ideogram))
  const res = await gw.app.inject({
    method: 'POST', url: '/v1/images/generations', headers: bearer(key),
    payload: { model, prompt: 'A lighthouse, "poster" style\r\nwith text', n: 2, size: '1792x1024', quality: 'hd', negative_prompt: 'blur', seed: 7 }
  })
  t.equal(res.statusCode, 200, res.body)
  t.same(res.json().data, [{ url: 'https://ideogram.ai/api/images/ephemeral/img0.png?exp=1' }, { url: 'https://ideogram.ai/api/images/ephemeral/img1.png?exp=1' }])
  t.equal(res.json().created, Date.parse('2025-06-01T12:00:00Z') / 1000)
  const upstream = gw.mock.requests[0]
  t.equal(upstream?.url, '/v1/ideogram-v3/generate')
  t.equal(upstream?.headers['api-key'], PROVIDER_KEYS.ideogram)
  t.equal(upstream?.headers.authorization, undefined)
  t.same(upstream && formFields(upstream), {
    prompt: 'A lighthouse, "poster" style\r\nwith text', num_images: '2', resolution: '1792x1024', rendering_speed: 'QUALITY', seed: '7', negative_prompt: 'blur'
  })
  t.match(gw.usage.at(-1), { model, provider: 'ideogram', kind: 'image', images: 2, status: 200 })
  t.equal(res.headers['x-hubgate-cost'], '120', 'two images at the catalog\'s per-image rate')

  const square = await gw.app.inject({ method: 'POST', url: '/api/v2/images/generations', headers: bearer(key), payload: { model, prompt: 'x', size: '1024x1024' } })
  t.equal(square.statusCode, 200)
  t.equal(formFields(gw.mock.requests[1] as never)?.aspect_ratio, '1x1', 'a size Ideogram knows as a ratio is sent as one')
})

test('the AIGNE image route answers Ideogram images as URLs', async (t) => {
  const gw = await gatewayWithMock(t, 'ideogram', {}, '')
  const { key } = await issueKey(gw.app, { scopes: ['images'] })
  gw.mock.respond(ideogramMock.images())
  const res = await gw.app.inject({ method: 'POST', url: '/api/v2/image', headers: bearer(key), payload: { input: { prompt: 'A fox', modelOptions: { model } } } })
  t.equal(res.statusCode, 200, res.body)
  t.match(res.json(), { images: [{ type: 'url', url: 'https://ideogram.ai/api/images/ephemeral/img0.png?exp=1' }], model })
})

test('Ideogram refuses what it cannot do: chat, more than 8 images, oversized fields; unsafe images are a provider failure', async (t) => {
  const gw = await gatewayWithMock(t, 'ideogram', {}, '')
  const { key } = await issueKey(gw.app, { scopes: ['images', 'chat'] })
  gw.mock.respond(ideogramMock.images({ unsafe: true }))
  const chat = await gw.app.inject({ method: 'POST', url: '/api/v2/chat/completions', headers: bearer(key), payload: { model, messages: [{ role: 'user', content: 'hi' }] } })
  t.equal(chat.statusCode, 400)
  t.match(chat.json(), { error: { message: /Provider ideogram has no chat API/ } })
  const models = (await gw.app.inject({ method: 'GET', url: '/api/v2/models', headers: bearer(key) })).json().data.map((m: { id: string }) => m.id)
  t.notOk(models.includes(model), 'an image model is not listed as a chat model')
  const image = async (payload: Record<string, unknown>): Promise<any> =>
    await gw.app.inject({ method: 'POST', url: '/v1/images/generations', headers: bearer(key), payload: { model, prompt: 'x', ...payload } })
  t.equal((await image({ n: 9 })).statusCode, 400)
  t.equal((await image({ style_type: 'x'.repeat(2001) })).statusCode, 400)
  t.equal((await image({ seed: { nested: true } })).statusCode, 400)
  t.equal(gw.mock.requests.length, 0, 'nothing refused reached Ideogram')
  const unsafe = await image({})
  t.equal(unsafe.statusCode, 502)
  t.match(unsafe.json(), { error: { message: /generated no image: the images were flagged as unsafe/ } })
  t.match(gw.usage.at(-1), { provider: 'ideogram', kind: 'image', status: 502 })
})
