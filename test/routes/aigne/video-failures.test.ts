import { test } from 'tap'
import { adminCall, bearer, issueKey } from '../../helpers/build.js'
import { MP4_BYTES, openAIVideoMock, veoMock } from '../../helpers/mock-media.js'
import { gatewayWithMock } from '../../helpers/gateway.js'
import { neverAnswer, startMock } from '../../helpers/mock-server.js'
import { listen } from './setup.js'

const FAST_POLLS = { VIDEO_POLL_INTERVAL_MS: '10', VIDEO_MAX_POLLS: '5' }

const envelope = (input: Record<string, unknown>): Record<string, unknown> => ({ input: { prompt: 'A calico cat', modelOptions: { model: 'openai/sora-2' }, ...input } })

test('video failures: a failed job is a 502, a job never done a 504 after the bounded polls, bad input a 4xx', async (t) => {
  const gw = await gatewayWithMock(t, 'openai', FAST_POLLS)
  const { key } = await issueKey(gw.app, { scopes: ['video'] })
  const call = async (input: Record<string, unknown> = {}, apiKey = key): Promise<any> =>
    await gw.app.inject({ method: 'POST', url: '/api/v2/video', headers: bearer(apiKey), payload: envelope(input) })

  gw.mock.respond(openAIVideoMock({ fail: 'Your request was blocked by our moderation system.' }))
  const failed = await call()
  t.equal(failed.statusCode, 502)
  t.same(failed.json().error, { message: 'Provider openai failed to generate the video: Your request was blocked by our moderation system.', type: 'upstream_error' })
  t.equal(gw.mock.requests.filter((r) => r.url === '/videos').length, 1, 'a failed job is not retried (it would start another)')

  gw.mock.requests.length = 0
  gw.mock.respond(openAIVideoMock({ pollsUntilDone: 1000 }))
  const slow = await call()
  t.equal(slow.statusCode, 504)
  t.match(slow.json().error, { message: /did not finish the video after 5 checks/, type: 'timeout_error' })
  t.equal(gw.mock.requests.length, 6, 'one create and the 5 polls allowed, no retry')
  t.match(gw.usage.at(-1), { seconds: 4, status: 504 }, 'a job left running is charged: the provider bills it')

  gw.mock.requests.length = 0
  t.equal((await call({ seconds: '61' })).statusCode, 400)
  t.equal((await call({ seconds: 'many' })).statusCode, 400)
  t.equal((await call({ modelOptions: { model: 'nope/sora' } })).statusCode, 400, 'an unknown provider')
  const anthropic = await call({ modelOptions: { model: 'anthropic/claude-sonnet-4-5' } })
  t.equal(anthropic.statusCode, 400)
  t.equal((await call({}, (await issueKey(gw.app, { scopes: ['images'] })).key)).statusCode, 401, 'the video scope is needed')
  t.equal(gw.mock.requests.length, 0, 'nothing reached the provider')
})


test('a Veo answer naming a video address outside the provider\'s API gets neither a request nor the key', async (t) => {
  const gw = await gatewayWithMock(t, 'gemini', FAST_POLLS, '')
  const elsewhere = await startMock(t)
  elsewhere.respond((_req, res) => { res.writeHead(200, { 'content-type': 'video/mp4' }).end(MP4_BYTES) })
  const { key } = await issueKey(gw.app, { scopes: ['video'] })
  const veo = envelope({ modelOptions: { model: 'gemini/veo-3.0-generate-001' } })
  // another host, and one whose name starts with the API's address
  for (const address of [() => elsewhere.url, () => `${gw.mock.url}.attacker.example`]) {
    gw.mock.respond(veoMock(address))
    const res = await gw.app.inject({ method: 'POST', url: '/api/v2/video', headers: bearer(key), payload: veo })
    t.equal(res.statusCode, 502)
    t.match(res.json().error, { message: /answered a video address outside its API/ })
  }
  t.equal(elsewhere.requests.length, 0, 'the other host is never called, so the provider key never reaches it')
})
