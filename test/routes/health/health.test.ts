import { test } from 'tap'
import { ADMIN_KEY, UNAUTHORIZED, bearer, build, issueKey } from '../../helpers/build.js'

const PROVIDERS = { OPENAI_API_KEY: 'sk-test-openai-0123456789', DEEPSEEK_API_KEY: 'sk-test-deepseek-0123456789' }

test('liveness and readiness answer without credentials', async (t) => {
  const app = await build(t)
  const live = await app.inject({ url: '/health/live' })
  t.equal(live.statusCode, 200)
  t.same(live.json(), { status: 'ok' })
  const ready = await app.inject({ url: '/health/ready' })
  t.equal(ready.statusCode, 200)
  t.same(ready.json(), { status: 'ok', breakers: { closed: 0, halfOpen: 0, open: 0 } }, 'no provider configured, so no circuit breaker to count')
})

test('public readiness counts circuit breakers but names no provider; the per-provider view needs an admin', async (t) => {
  const app = await build(t, PROVIDERS)
  const ready = await app.inject({ url: '/health/ready' })
  t.equal(ready.statusCode, 200)
  t.same(ready.json(), { status: 'ok', breakers: { closed: 2, halfOpen: 0, open: 0 } })
  t.notMatch(ready.body, /openai|deepseek/, 'no provider id in the public answer')

  const detail = await app.inject({ url: '/api/admin/health', headers: bearer(ADMIN_KEY) })
  t.equal(detail.statusCode, 200)
  t.same(detail.json(), { status: 'ok', providers: { openai: 'closed', deepseek: 'closed' } })
  for (const headers of [{}, bearer((await issueKey(app, { scopes: ['chat'] })).key)]) {
    const refused = await app.inject({ url: '/api/admin/health', headers })
    t.equal(refused.statusCode, 401, 'without an admin key: refused')
    t.same(refused.json(), UNAUTHORIZED)
  }
})

test('readiness fails with 503 and a generic message when the store is gone, in both views', async (t) => {
  const app = await build(t)
  await app.store.close()
  const res = await app.inject({ url: '/health/ready' })
  t.equal(res.statusCode, 503)
  t.same(res.json(), { error: 'Service Unavailable', message: 'The store is not reachable.' })
  const detail = await app.inject({ url: '/api/admin/health', headers: bearer(ADMIN_KEY) })
  t.equal(detail.statusCode, 503, 'the admin view too (the admin key cannot even be checked)')
  t.match(detail.json(), { error: 'Service Unavailable', message: String })
  // liveness is about the process, not its dependencies
  t.equal((await app.inject({ url: '/health/live' })).statusCode, 200)
})
