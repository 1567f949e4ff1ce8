import { test } from 'tap'
import { ADMIN_KEY, UNAUTHORIZED, bearer, build, issueKey } from '../helpers/build.js'

test('/metrics needs an admin key and exposes request counts by route template', async (t) => {
  const app = await build(t)
  t.equal((await app.inject({ url: '/health/live' })).statusCode, 200)
  const anonymous = await app.inject({ url: '/metrics' })
  t.equal(anonymous.statusCode, 401)
  t.same(anonymous.json(), UNAUTHORIZED)
  const chatKey = await issueKey(app, { scopes: ['chat'] })
  t.equal((await app.inject({ url: '/metrics', headers: bearer(chatKey.key) })).statusCode, 401, 'a chat-only key may not read metrics')

  const res = await app.inject({ url: '/metrics', headers: bearer(ADMIN_KEY) })
  t.equal(res.statusCode, 200)
  t.match(res.headers['content-type'], /^text\/plain/)
  t.match(res.body, /hubgate_http_requests_total\{method="GET",route="\/health\/live",status="200"\} 1/)
  t.match(res.body, /hubgate_http_requests_total\{method="GET",route="\/metrics",status="401"\} 2/)
  t.match(res.body, /hubgate_process_/)
  t.notMatch(res.body, new RegExp(chatKey.key), 'no secret in metrics')
})
