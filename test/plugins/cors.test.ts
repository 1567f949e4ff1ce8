import { test } from 'tap'
import { build } from '../helpers/build.js'

test('CORS is off unless CORS_ORIGINS is set', async (t) => {
  const app = await build(t)
  const res = await app.inject({ url: '/health/live', headers: { origin: 'https://app.example' } })
  t.equal(res.headers['access-control-allow-origin'], undefined)
})

test('a listed origin gets CORS headers and its preflight succeeds without a key', async (t) => {
  const app = await build(t, { CORS_ORIGINS: 'https://app.example, https://other.example' })
  const preflight = await app.inject({
    method: 'OPTIONS',
    url: '/api/v2/chat/completions',
    headers: { origin: 'https://app.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' }
  })
  t.equal(preflight.statusCode, 204)
  t.equal(preflight.headers['access-control-allow-origin'], 'https://app.example')
  t.match(String(preflight.headers['access-control-allow-headers']), /authorization/)

  const other = await app.inject({ url: '/health/live', headers: { origin: 'https://evil.example' } })
  t.equal(other.headers['access-control-allow-origin'], undefined, 'an unlisted origin gets no CORS grant')
})

test('browsers may ask for the cost and read x-hubgate-cost', async (t) => {
  const app = await build(t, { CORS_ORIGINS: 'https://app.example' })
  const preflight = await app.inject({
    method: 'OPTIONS',
    url: '/api/v2/chat/completions',
    headers: { origin: 'https://app.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,x-hubgate-include-cost' }
  })
  t.match(String(preflight.headers['access-control-allow-headers']), /x-hubgate-include-cost/)
  const answer = await app.inject({ url: '/health/live', headers: { origin: 'https://app.example' } })
  t.match(String(answer.headers['access-control-expose-headers']), /x-hubgate-cost/)
})
