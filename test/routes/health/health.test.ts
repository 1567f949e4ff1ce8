import { test } from 'tap'
import { build } from '../../helpers/build.js'

test('liveness and readiness answer without credentials', async (t) => {
  const app = await build(t)
  const live = await app.inject({ url: '/health/live' })
  t.equal(live.statusCode, 200)
  t.same(live.json(), { status: 'ok' })
  const ready = await app.inject({ url: '/health/ready' })
  t.equal(ready.statusCode, 200)
  t.same(ready.json(), { status: 'ok', providers: {} }, 'no provider configured, so no circuit breaker to show')
})

test('readiness fails with 503 and a generic message when the store is gone', async (t) => {
  const app = await build(t)
  await app.store.close()
  const res = await app.inject({ url: '/health/ready' })
  t.equal(res.statusCode, 503)
  t.same(res.json(), { error: 'Service Unavailable', message: 'The store is not reachable.' })
  // liveness is about the process, not its dependencies
  t.equal((await app.inject({ url: '/health/live' })).statusCode, 200)
})
