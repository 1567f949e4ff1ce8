import { test, type Test } from 'tap'
import type { FastifyInstance } from 'fastify'
import { ADMIN_KEY, UNAUTHORIZED, bearer, issueKey } from '../helpers/build.js'
import { PROBE_URL, buildWithProbe } from '../helpers/probe.js'
import { startRelay } from '../helpers/relay.js'
import { needs, postgresEnv, serviceUrl } from '../helpers/services.js'
import { eventually } from '../helpers/wait.js'

const STORE_DOWN = { error: 'Service Unavailable', message: 'The gateway cannot reach its store right now; try again shortly.' }

/**
 * With the store gone: a key already in the cache keeps working, any other key gets a generic 503
 * (the gateway cannot tell whether it is valid), and a request without credentials is still a 401.
 */
async function assertStoreOutage (t: Test, app: FastifyInstance, cutStore: () => Promise<void>): Promise<void> {
  const version = app.store.keyChangeVersion()
  const cached = await issueKey(app)
  const uncached = await issueKey(app)
  // Postgres announces each new key to every replica, this one too: a notice arriving late would empty the key cache
  if (app.store.dialect === 'postgres') t.ok(await eventually(async () => app.store.keyChangeVersion() >= version + 2), 'both new keys announced')
  t.equal((await app.inject({ url: PROBE_URL, headers: bearer(cached.key) })).statusCode, 200, 'cached before the outage')

  await cutStore()

  t.equal((await app.inject({ url: PROBE_URL, headers: bearer(cached.key) })).statusCode, 200, 'a cached key keeps working')
  for (const key of [uncached.key, 'hgk_' + 'Q'.repeat(43)]) {
    const res = await app.inject({ url: PROBE_URL, headers: bearer(key) })
    t.equal(res.statusCode, 503, 'an uncached key cannot be checked')
    t.same(res.json(), STORE_DOWN)
    t.equal(res.headers['retry-after'], '1', 'told when to try again')
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
  // a closed store (a request still running at shutdown) is no bug: the caller may retry, on another replica too
  const admin = await app.inject({ url: '/api/admin/access-keys', headers: bearer(ADMIN_KEY) })
  t.equal(admin.statusCode, 503, 'a cached admin key gets in; the route itself cannot read the store')
  t.same(admin.json(), STORE_DOWN)
  t.equal(admin.headers['retry-after'], '1')
})

test('Postgres becomes unreachable after start', needs('TEST_DATABASE_URL', 'Postgres'), async (t) => {
  const url = serviceUrl('TEST_DATABASE_URL')
  const relay = await startRelay(t, url)
  const app = await buildWithProbe(t, { ...postgresEnv(t, url), DATABASE_URL: relay.url })
  await assertStoreOutage(t, app, async () => { relay.cut() })
})
