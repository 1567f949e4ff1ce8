import { test } from 'tap'
import { setImmediate as turn } from 'node:timers/promises'
import { build } from '../helpers/build.js'
import type { FastifyInstance } from 'fastify'

/** For `ms`, the event loop turns only every 250 ms: what a saturated gateway looks like to the load-shedding sampler. */
async function lagEventLoop (ms: number): Promise<void> {
  const end = Date.now() + ms
  while (Date.now() < end) {
    const until = Date.now() + 250
    while (Date.now() < until) { /* busy */ }
    await turn()
  }
}

/** Once the gateway answers (a start on a busy machine lags the loop too, and may be shed itself). */
async function settled (app: FastifyInstance): Promise<void> {
  for (let i = 0; i < 20 && (await app.inject({ url: '/health/live' })).statusCode !== 200; i++) await new Promise((resolve) => setTimeout(resolve, 500))
}

test('with MAX_EVENT_LOOP_DELAY_MS set, a lagging event loop sheds requests with 503 and Retry-After', async (t) => {
  const app = await build(t, { MAX_EVENT_LOOP_DELAY_MS: '150' })
  await settled(app)
  t.equal((await app.inject({ url: '/health/live' })).statusCode, 200)
  await lagEventLoop(2500)
  const res = await app.inject({ url: '/health/live' })
  t.equal(res.statusCode, 503)
  t.equal(res.headers['retry-after'], '5')
  t.same(res.json(), { error: 'Service Unavailable', message: 'The gateway is overloaded; retry shortly.' })
})

test('with MAX_EVENT_LOOP_DELAY_MS=0 nothing is shed, however the loop lagged', async (t) => {
  const app = await build(t, { MAX_EVENT_LOOP_DELAY_MS: '0' })
  await lagEventLoop(2500)
  t.equal((await app.inject({ url: '/health/live' })).statusCode, 200)
})
