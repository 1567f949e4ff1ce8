import { test } from 'tap'
import { request } from 'undici'
import { build } from '../helpers/build.js'

test('drain fails readiness first, lets an in-flight request finish, then closes', async (t) => {
  const app = await build(t)
  let release: () => void = () => {}
  const gate = new Promise<void>((resolve) => { release = resolve })
  let entered: () => void = () => {}
  const inHandler = new Promise<void>((resolve) => { entered = resolve })
  // a slow in-flight request, as a long stream would be
  app.store.ping = async () => { entered(); await gate }
  await app.listen({ host: '127.0.0.1', port: 0 })
  const { port } = app.server.address() as { port: number }

  const inflight = request(`http://127.0.0.1:${port}/health/ready`)
  await inHandler // the request is in flight (a fixed sleep is not enough on a loaded machine)
  const drained = app.drain(5_000)
  t.equal(app.draining, true)
  release()
  const res = await inflight
  t.equal(res.statusCode, 200, 'the request already in flight completed')
  t.same(await res.body.json(), { status: 'ok', breakers: { closed: 0, halfOpen: 0, open: 0 } })
  await drained
  await t.rejects(request(`http://127.0.0.1:${port}/health/live`), 'no new connections after the drain')
})

test('readiness answers 503 while draining', async (t) => {
  const app = await build(t)
  app.draining = true
  const res = await app.inject({ url: '/health/ready' })
  t.equal(res.statusCode, 503)
  t.same(res.json(), { error: 'Service Unavailable', message: 'The gateway is shutting down.' })
})

test('drain cuts connections still open at the deadline so shutdown completes', async (t) => {
  const app = await build(t)
  let reached: () => void = () => {}
  const inHandler = new Promise<void>((resolve) => { reached = resolve })
  app.store.ping = async () => { reached(); return await new Promise(() => {}) } // never answers
  await app.listen({ host: '127.0.0.1', port: 0 })
  const { port } = app.server.address() as { port: number }
  const stuck = request(`http://127.0.0.1:${port}/health/ready`).catch((err: Error) => err)
  await inHandler // in flight for sure, however slow the machine
  await app.drain(200)
  t.type(await stuck, Error, 'the stuck request was cut at the deadline')
})
