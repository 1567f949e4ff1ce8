import { join } from 'node:path'
import { test, type Test } from 'tap'
import type { FastifyInstance } from 'fastify'
import { adminCall, bearer, build, issueKey, tempDir } from '../helpers/build.js'
import { needs, postgresEnv, serviceUrl } from '../helpers/services.js'
import { eventually } from '../helpers/wait.js'
import { SQLITE_CHANGE_CHECK_MS } from '#store/change-feed.js'

const KEYS = '/api/admin/access-keys'

/** Whether `app` accepts `key` right now (its cache included). */
async function accepted (app: FastifyInstance, key: string): Promise<boolean> {
  return await app.accessKeys.authenticate(key) !== undefined
}

/**
 * Two gateways on one store: changes made through `writer` must reach `reader`'s key cache.
 * `settle` waits for the change to arrive (the next data_version check on SQLite, a notification on Postgres).
 */
async function coherence (t: Test, writer: FastifyInstance, reader: FastifyInstance, settle: (check: () => Promise<boolean>) => Promise<boolean>): Promise<void> {
  const revoked = await issueKey(writer)
  const rotated = await issueKey(writer)
  const limited = await issueKey(writer, { scopes: ['chat'] })
  for (const key of [revoked, rotated, limited]) t.ok(await accepted(reader, key.key), 'accepted by the other gateway (and cached there)')

  await adminCall(writer, { method: 'POST', url: `${KEYS}/${revoked.id}/revoke` })
  t.ok(await settle(async () => !await accepted(reader, revoked.key)), 'revocation reaches the other gateway')

  const next = (await adminCall(writer, { method: 'POST', url: `${KEYS}/${rotated.id}/rotate` })).json<{ key: string }>().key
  t.ok(await settle(async () => !await accepted(reader, rotated.key)), 'the rotated-away secret stops there too')
  t.ok(await accepted(reader, next), 'and the new one works there')

  await adminCall(writer, { method: 'PATCH', url: `${KEYS}/${limited.id}`, payload: { scopes: ['admin'] } })
  t.ok(await settle(async () => (await reader.inject({ url: KEYS, headers: bearer(limited.key) })).statusCode === 200), 'a new scope applies there')
}

test('SQLite: a change made by another process on the same file applies within SQLITE_CHANGE_CHECK_MS', async (t) => {
  // one database file, as two replicas would share it; each has its own DATA_DIR (its journal and lock)
  const env = { DATABASE_URL: join(tempDir(t), 'shared.db'), SERVER_SECRET: 'a-server-secret-shared-by-both-0123456789' }
  const writer = await build(t, env)
  const reader = await build(t, env)
  // SQLite's data_version is read at most every SQLITE_CHANGE_CHECK_MS; a few of those allow for a busy machine
  await coherence(t, writer, reader, async (check) => await eventually(check, SQLITE_CHANGE_CHECK_MS * 4))
})

test('Postgres: a change made on another replica reaches its cache by notification', needs('TEST_DATABASE_URL', 'Postgres'), async (t) => {
  const env = postgresEnv(t, serviceUrl('TEST_DATABASE_URL'))
  const writer = await build(t, env)
  const reader = await build(t, env)
  await coherence(t, writer, reader, eventually)
})

test('without outside changes, lookups are served from the cache', async (t) => {
  const app = await build(t)
  const { key, id } = await issueKey(app)
  t.ok(await accepted(app, key))
  // a write on the gateway's own connection that bypasses the service is not seen until the entry expires
  await app.store.db.updateTable('access_keys').set({ revoked_at: new Date().toISOString() }).where('id', '=', id).execute()
  t.ok(await accepted(app, key), 'still served from the cache')
  app.accessKeys.invalidate(id)
  t.notOk(await accepted(app, key), 'gone once invalidated')
})
