import { test } from 'tap'
import { adminCall, bearer, issueKey } from '../../helpers/build.js'
import { openAIVideoMock } from '../../helpers/mock-media.js'
import { gatewayWithMock } from '../../helpers/gateway.js'
import { neverAnswer } from '../../helpers/mock-server.js'
import { listen } from './setup.js'

const FAST_POLLS = { VIDEO_POLL_INTERVAL_MS: '10', VIDEO_MAX_POLLS: '5' }

const envelope = (input: Record<string, unknown>): Record<string, unknown> => ({ input: { prompt: 'A calico cat', modelOptions: { model: 'openai/sora-2' }, ...input } })

test('a video not ready before the client\'s header timeout: 200 headers, spaces, then the JSON answer', async (t) => {
  const gw = await gatewayWithMock(t, 'openai', { ...FAST_POLLS, VIDEO_POLL_INTERVAL_MS: '50', VIDEO_KEEPALIVE_AFTER_MS: '20' })
  const { key } = await issueKey(gw.app, { scopes: ['video'] })
  const origin = await listen(gw.app)
  gw.mock.respond(openAIVideoMock({ pollsUntilDone: 1 }))
  const res = await fetch(`${origin}/api/v2/video`, { method: 'POST', headers: { ...bearer(key), 'content-type': 'application/json' }, body: JSON.stringify(envelope({})) })
  t.equal(res.status, 200)
  const body = JSON.parse(await res.text())
  t.match(body, { model: 'openai/sora-2', seconds: 4, videos: [{ type: 'file' }] })

  gw.mock.respond(openAIVideoMock({ fail: 'blocked' }))
  const late = await fetch(`${origin}/api/v2/video`, { method: 'POST', headers: { ...bearer(key), 'content-type': 'application/json' }, body: JSON.stringify(envelope({})) })
  t.equal(late.status, 200, 'the headers went out before the failure')
  t.same(JSON.parse(await late.text()), { error: { message: 'Provider openai failed to generate the video: blocked', type: 'upstream_error' }, message: 'Provider openai failed to generate the video: blocked' })
})

test('budgets: a key with a small credit limit cannot start more video seconds than it can pay for, under concurrency', async (t) => {
  const gw = await gatewayWithMock(t, 'openai', { ...FAST_POLLS, VIDEO_POLL_INTERVAL_MS: '30' })
  await adminCall(gw.app, { method: 'POST', url: '/api/admin/models', payload: { id: 'openai/sora-2', kind: 'video', secondRate: 1 } })
  const { key } = await issueKey(gw.app, { scopes: ['video'], creditLimit: 10 })
  gw.mock.respond(openAIVideoMock({ pollsUntilDone: 1 }))
  const calls = await Promise.all(Array.from({ length: 5 }, async () =>
    await gw.app.inject({ method: 'POST', url: '/api/v2/video', headers: bearer(key), payload: envelope({ seconds: '4' }) })))
  const statuses = calls.map((c) => c.statusCode).sort()
  t.same(statuses, [200, 200, 402, 402, 402], '10 credits pay for two 4-second videos, not three')
  t.match(calls.find((c) => c.statusCode === 402)?.json().error.message, /Credit limit reached/)
  t.equal(gw.mock.requests.filter((r) => r.url === '/videos').length, 2)

  const unpriced = await gw.app.inject({ method: 'POST', url: '/api/v2/video', headers: bearer(key), payload: envelope({ modelOptions: { model: 'openai/sora-2-pro' } }) })
  t.equal(unpriced.statusCode, 402, 'an unpriced video model is refused for a key with a limit')
})

test('GET /api/ai/models?type=video lists the video models of configured providers', async (t) => {
  const gw = await gatewayWithMock(t, 'openai')
  gw.mock.respond(neverAnswer)
  const res = await gw.app.inject({ url: '/api/ai/models?type=video' })
  t.equal(res.statusCode, 200)
  t.same(res.json().map((m: any) => m.key), ['openai/sora-2', 'openai/sora-2-pro'])
  t.ok(res.json().every((m: any) => m.type === 'video' && m.status.available === true))
})
