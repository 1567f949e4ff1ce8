import { createServer, connect, type Socket, type Server } from 'node:net'
import { test, type Test } from 'tap'
import type { FastifyInstance } from 'fastify'
import { UNAUTHORIZED, bearer, issueKey } from '../helpers/build.js'
import { PROBE_URL, buildWithProbe } from '../helpers/probe.js'
import { needs, postgresEnv, serviceUrl } from '../helpers/services.js'

const STORE_DOWN = { error: 'Service Unavailable', message: 'The gateway cannot reach its store right now; try again shortly.' }

/**
 * With the store gone: a key already in the cache keeps working, any other key gets a generic 503
 * (the gateway cannot tell whether it is valid), and a request without credentials is still a 401.
 */
async function assertStoreOutage (t: Test, app: FastifyInstance, cutStore: () => Promise<void>): Promise<void> {
  const cached = await issueKey(app)
  const uncached = await issueKey(app)
  t.equal((await app.inject({ url: PROBE_URL, headers: bearer(cached.key) })).statusCode, 200, 'cached before the outage')

  await cutStore()

  t.equal((await app.inject({ url: PROBE_URL, headers: bearer(cached.key) })).statusCode, 200, 'a cached key keeps working')
  for (const key of [uncached.key, 'hgk_' + 'Q'.repeat(43)]) {
    const res = await app.inject({ url: PROBE_URL, headers: bearer(key) })
    t.equal(res.statusCode, 503, 'an uncached key cannot be checked')
    t.same(res.json(), STORE_DOWN)
    t.notMatch(res.body, /ECONNREFUSED|postgres|sqlite|destroyed|127\.0\.0\.1/i)
  }
  const anonymous = await app.inject({ url: PROBE_URL })
  t.equal(anonymous.statusCode, 401, 'no credentials is still a plain 401')
  t.equal(anonymous.body, JSON.stringify(UNAUTHORIZED))

  const admin = await app.inject({ url: '/api/admin/access-keys', headers: bearer(cached.key) })
  t.equal(admin.statusCode, 401, 'the cached chat key still lacks the admin scope')
}

test('SQLite store closed under a running gateway', async (t) => {
  const app = await buildWithProbe(t)
  await assertStoreOutage(t, app, async () => { await app.store.db.destroy() })
})

/** A TCP relay to Postgres that can be cut, as a network failure or a database restart would. */
async function relay (t: Test, target: URL): Promise<{ port: number, cut: () => Promise<void> }> {
  const sockets = new Set<Socket>()
  const server: Server = createServer((client) => {
    const upstream = connect(Number(target.port || 5432), target.hostname)
    for (const s of [client, upstream]) { sockets.add(s); s.on('error', () => {}); s.on('close', () => sockets.delete(s)) }
    client.pipe(upstream).pipe(client)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const cut = async (): Promise<void> => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()))
    for (const s of sockets) s.destroy()
    await closed
  }
  t.teardown(cut)
  return { port: (server.address() as { port: number }).port, cut }
}

test('Postgres becomes unreachable after start', needs('TEST_DATABASE_URL', 'Postgres'), async (t) => {
  const url = serviceUrl('TEST_DATABASE_URL')
  const env = postgresEnv(t, url)
  const target = new URL(url)
  const { port, cut } = await relay(t, target)
  const relayed = new URL(url)
  relayed.port = String(port)
  const app = await buildWithProbe(t, { ...env, DATABASE_URL: relayed.toString() })
  await assertStoreOutage(t, app, cut)
})
