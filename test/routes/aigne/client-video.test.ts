import { test } from 'tap'
import { AIGNEHubVideoModel } from '@aigne/aigne-hub'
import { adminCall, bearer, issueKey } from '../../helpers/build.js'
import { MP4_BYTES, openAIVideoMock, veoMock } from '../../helpers/mock-media.js'
import { gatewayWithMock, PROVIDER_KEYS } from '../../helpers/gateway.js'
import { neverAnswer } from '../../helpers/mock-server.js'
import { listen } from './setup.js'

const FAST_POLLS = { VIDEO_POLL_INTERVAL_MS: '10', VIDEO_MAX_POLLS: '5' }

function videoModel (baseURL: string, apiKey: string, model = 'openai/sora-2'): AIGNEHubVideoModel {
  return new AIGNEHubVideoModel({ baseURL, apiKey, model: `aignehub/${model}` })
}

const envelope = (input: Record<string, unknown>): Record<string, unknown> => ({ input: { prompt: 'A calico cat', modelOptions: { model: 'openai/sora-2' }, ...input } })

test('the official video client through OpenAI Sora: job created, polled, downloaded; charged per second asked for', async (t) => {
  const gw = await gatewayWithMock(t, 'openai', FAST_POLLS)
  await adminCall(gw.app, { method: 'POST', url: '/api/admin/models', payload: { id: 'openai/sora-2', kind: 'video', secondRate: 0.1 } })
  const { key } = await issueKey(gw.app, { scopes: ['video'] })
  gw.mock.respond(openAIVideoMock({ pollsUntilDone: 2 }))

  const out = await videoModel(await listen(gw.app), key).invoke({ prompt: 'A calico cat', seconds: '8', size: '1280x720', outputFileType: 'file' })
  t.match(out.videos, [{ type: 'file', data: MP4_BYTES.toString('base64'), mimeType: 'video/mp4' }])
  t.equal(out.seconds, 8)
  t.equal(out.usage?.aigneHubCredits, 0.8)
  t.same(gw.mock.requests.map((r) => `${r.method} ${r.url}`), [
    'POST /videos', 'GET /videos/video_123', 'GET /videos/video_123', 'GET /videos/video_123', 'GET /videos/video_123/content'
  ])
  const created = gw.mock.requests[0]
  t.match(created?.headers['content-type'], /^multipart\/form-data; boundary=/)
  t.equal(created?.headers.authorization, `Bearer ${PROVIDER_KEYS.openai}`)
  t.match(gw.usage.at(-1), { kind: 'video', model: 'openai/sora-2', seconds: 8, status: 200 })

  const usage = await adminCall(gw.app, { url: '/api/admin/usage?groupBy=model' })
  t.match(usage.json().items, [{ model: 'openai/sora-2', seconds: 8, credits: 0.8 }], 'the usage record carries the seconds and exact credits')
})

test('Gemini Veo: a long-running operation polled until done, the video read with the key in a header', async (t) => {
  let base = ''
  const gw = await gatewayWithMock(t, 'gemini', FAST_POLLS, '')
  base = gw.mock.url
  const { key } = await issueKey(gw.app, { scopes: ['video'] })
  gw.mock.respond(veoMock(() => base))

  const out = await videoModel(await listen(gw.app), key, 'gemini/veo-3.0-generate-001').invoke({ prompt: 'Waves', outputFileType: 'file', modelOptions: { aspectRatio: '16:9' } })
  t.match(out.videos, [{ type: 'file', data: MP4_BYTES.toString('base64') }])
  t.equal(out.seconds, 8, 'Veo\'s default length')
  t.same(gw.mock.requests[0]?.body, { instances: [{ prompt: 'Waves' }], parameters: { durationSeconds: 8, aspectRatio: '16:9' } })
  t.equal(gw.mock.requests[0]?.url, '/models/veo-3.0-generate-001:predictLongRunning')
  t.ok(gw.mock.requests.every((r) => r.headers['x-goog-api-key'] === 'AIza-test-provider-0123456789' && !r.url.includes('key=')))
  t.equal(gw.mock.requests.at(-1)?.url, '/files/vid1:download?alt=media')

  gw.mock.respond(veoMock(() => base, { filtered: 'The prompt was blocked.' }))
  const filtered = await gw.app.inject({ method: 'POST', url: '/api/v2/video', headers: bearer(key), payload: envelope({ modelOptions: { model: 'gemini/veo-3.0-generate-001' } }) })
  t.equal(filtered.statusCode, 502)
  t.match(filtered.json(), { error: { message: /generated no video: The prompt was blocked/ } })
  t.match(gw.usage.at(-1), { kind: 'video', seconds: 0, status: 502 }, 'a job the provider failed is not charged')
})

