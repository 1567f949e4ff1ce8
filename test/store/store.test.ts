import { sql } from 'kysely'
import { test, type Test } from 'tap'
import { StoreUnavailableError } from '#errors.js'
import { openStore, type Store, type StoreOptions } from '#store/index.js'
import type { NewAccessKey } from '#store/access-keys.js'
import { tempDir } from '../helpers/build.js'
import { needs, postgresEnv, serviceUrl } from '../helpers/services.js'

const T0 = '2026-01-01T00:00:00.000Z'
const T1 = '2026-01-01T00:00:01.000Z'
const T2 = '2026-01-01T00:00:02.000Z'
const LATER = '2030-01-01T00:00:00.000Z'

function newKey (id: string, overrides: Partial<NewAccessKey> = {}): NewAccessKey {
  return { id, name: `key ${id}`, prefix: `hgk_${id}`, hash: `hash-${id}`, scopes: ['chat'], models: ['*'], expiresAt: null, createdAt: T0, ...overrides }
}

async function open (t: Test, options: StoreOptions): Promise<Store> {
  const store = await openStore(options)
  t.teardown(async () => { await store.close() })
  return store
}

async function accessKeySuite (t: Test, store: Store): Promise<void> {
  const repo = store.accessKeys
  const inserted = await repo.insert(newKey('a', { scopes: ['chat', 'admin'], models: ['openai/*'], expiresAt: LATER }))
  t.match(inserted, {
    id: 'a', name: 'key a', prefix: 'hgk_a', scopes: ['chat', 'admin'], models: ['openai/*'], expiresAt: LATER,
    revokedAt: null, createdAt: T0, updatedAt: T0, lastUsedAt: null
  }, 'insert returns the stored key')
  t.notOk('hash' in inserted, 'without its hash')
  t.same(await repo.findById('a'), inserted, 'read back identical')
  t.same(await repo.findByHash('hash-a', T1), { key: inserted, secretValidUntil: null })
  t.equal(await repo.findByHash('hash-zzz', T1), undefined)
  t.equal(await repo.findById('zzz'), undefined)
  await t.rejects(repo.insert(newKey('dup', { hash: 'hash-a' })), 'a hash is unique')

  await repo.insert(newKey('b', { createdAt: T1 }))
  await repo.insert(newKey('c', { createdAt: T2 }))
  t.same((await repo.list({ limit: 10, offset: 0 })).items.map((k) => k.id), ['c', 'b', 'a'], 'newest first')
  t.same(await repo.list({ limit: 1, offset: 1 }).then((r) => [r.items.map((k) => k.id), r.total]), [['b'], 3], 'paged with a total')

  const updated = await repo.update('b', { name: 'renamed', models: ['gemini/*'] }, T2)
  t.match(updated, { name: 'renamed', models: ['gemini/*'], scopes: ['chat'], updatedAt: T2 }, 'partial update keeps the rest')
  t.equal(await repo.update('zzz', { name: 'x' }, T2), undefined)

  // rotation with a grace window: old hash accepted until the window ends
  await repo.rotate('b', { hash: 'hash-b2', prefix: 'hgk_b2', previousValidUntil: T2 }, T1)
  t.same(await repo.findByHash('hash-b', T1).then((f) => f?.secretValidUntil), T2, 'previous hash inside its window')
  t.equal(await repo.findByHash('hash-b', T2), undefined, 'previous hash after its window')
  t.equal((await repo.findByHash('hash-b2', T1))?.key.prefix, 'hgk_b2')
  await repo.rotate('b', { hash: 'hash-b3', prefix: 'hgk_b3', previousValidUntil: null }, T1)
  t.equal(await repo.findByHash('hash-b2', T1), undefined, 'rotation without grace drops the old hash at once')

  const revoked = await repo.revoke('b', T2)
  t.equal(revoked?.revokedAt, T2)
  t.equal((await repo.revoke('b', LATER))?.revokedAt, T2, 'revoking again keeps the first time')
  await repo.rotate('b', { hash: 'hash-b4', prefix: 'hgk_b4', previousValidUntil: null }, LATER)
  t.equal((await repo.findByHash('hash-b3', T2))?.key.revokedAt, T2, 'a revoked key is not rotated')

  // last-used times: batched, only ever forward
  await repo.touch(new Map([['a', T2], ['c', T1]]))
  await repo.touch(new Map([['a', T1]]))
  t.equal((await repo.findById('a'))?.lastUsedAt, T2)
  t.equal((await repo.findById('c'))?.lastUsedAt, T1)

  // the bootstrap key: created, then its secret replaced (and un-revoked) when ADMIN_KEY changes
  t.equal(await repo.hasActiveAdmin(T1), true, 'key a is an active admin')
  t.equal(await repo.hasActiveAdmin(LATER), false, 'not once it expired')
  await repo.upsertHash(newKey('boot', { hash: 'hash-boot', scopes: ['admin'] }))
  await repo.revoke('boot', T1)
  await repo.upsertHash(newKey('boot', { hash: 'hash-boot2', prefix: 'hgk_boot2', scopes: ['admin'], createdAt: T2 }))
  t.match(await repo.findByHash('hash-boot2', T2), { key: { id: 'boot', prefix: 'hgk_boot2', revokedAt: null } })
  t.equal(await repo.findByHash('hash-boot', T2), undefined)
  t.equal((await repo.list({ limit: 100, offset: 0 })).total, 4)
}

async function auditSuite (t: Test, store: Store): Promise<void> {
  await store.audit.record({ at: T0, actor: 'access-key:a', action: 'access_key.created', targetType: 'access_key', targetId: 'x', ip: '127.0.0.1', details: { name: 'x' } })
  await store.audit.record({ at: T1, actor: 'jwt:ops', action: 'access_key.revoked', targetType: 'access_key', targetId: 'x', ip: null, details: null })
  await store.audit.record({ at: T2, actor: 'cli:root', action: 'access_key.created', targetType: 'access_key', targetId: 'y', ip: null, details: null })
  const all = await store.audit.list({ limit: 10, offset: 0 })
  t.same(all.map((e) => e.at), [T2, T1, T0], 'newest first')
  t.match(all[2], { actor: 'access-key:a', ip: '127.0.0.1', details: { name: 'x' } })
  t.same((await store.audit.list({ limit: 10, offset: 0, action: 'access_key.created' })).map((e) => e.targetId), ['y', 'x'])
  t.same((await store.audit.list({ limit: 10, offset: 0, targetId: 'x', since: T1 })).map((e) => e.actor), ['jwt:ops'])
  t.same((await store.audit.list({ limit: 10, offset: 0, until: T1 })).map((e) => e.at), [T0])
}

/** A provider's price list choice (migration 018): 'auto' by default, an id, or null for none, each read back as written. */
async function providerPriceListSuite (t: Test, store: Store): Promise<void> {
  const provider = { id: 'acme', kind: 'openai-compatible' as const, displayName: 'Acme', baseUrl: 'https://api.acme.example/v1', enabled: true, models: ['*'], createdAt: T0, updatedAt: T0 }
  t.match(await store.providers.insert({ ...provider, priceProvider: 'auto' }), { priceProvider: 'auto' })
  t.equal((await store.providers.find('acme'))?.priceProvider, 'auto')
  t.equal((await store.providers.update('acme', { priceProvider: 'groq' }, T1))?.priceProvider, 'groq')
  t.equal((await store.providers.update('acme', { priceProvider: null }, T2))?.priceProvider, null, 'null: none')
  t.equal((await store.providers.update('acme', { displayName: 'Acme 2' }, T2))?.priceProvider, null, 'kept by an update that does not name it')
  await store.providers.delete('acme')
}

async function storeSuite (t: Test, options: StoreOptions): Promise<void> {
  const store = await open(t, options)
  await store.ping()
  await t.test('access keys', async (t) => { await accessKeySuite(t, store) })
  await t.test('audit log', async (t) => { await auditSuite(t, store) })
  await t.test('provider price list choice', async (t) => { await providerPriceListSuite(t, store) })

  const reopened = await open(t, options)
  t.equal((await reopened.accessKeys.list({ limit: 100, offset: 0 })).total, 4, 'reopening migrates nothing twice and keeps the data')
  await reopened.close()
  await t.rejects(reopened.ping(), 'a closed store refuses to answer')
}

test('SQLite store in a temp DATA_DIR', async (t) => {
  await storeSuite(t, { dataDir: tempDir(t) })
})

test('SQLite keeps its own 2 MB page cache, not the 16 MB better-sqlite3 builds in', async (t) => {
  const store = await open(t, { dataDir: tempDir(t) })
  const rows = await sql<{ cache_size: number }>`pragma cache_size`.execute(store.db)
  t.same(rows.rows, [{ cache_size: -2000 }], 'negative: a size in KiB')
})

test('Postgres store in its own schema', needs('TEST_DATABASE_URL', 'Postgres'), async (t) => {
  const env = postgresEnv(t, serviceUrl('TEST_DATABASE_URL'))
  await storeSuite(t, { databaseUrl: env.DATABASE_URL, schema: env.DATABASE_SCHEMA, dataDir: tempDir(t) })
})

test('an unreachable Postgres fails to open with the driver\'s reason, which does not carry the URL password', async (t) => {
  const err = await openStore({ databaseUrl: 'postgres://hubgate:s3cret-pw@127.0.0.1:1/db', dataDir: tempDir(t) }).catch((e: Error) => e)
  t.type(err, Error)
  t.equal((err as { code?: string }).code, 'ECONNREFUSED', 'for the operator: not the 503 the gateway answers once serving')
  t.notMatch(String((err as Error).message), 's3cret-pw')
})

test('a Postgres schema migrates even when another schema of the database already holds migration tables', needs('TEST_DATABASE_URL', 'Postgres'), async (t) => {
  const url = serviceUrl('TEST_DATABASE_URL')
  const neighbour = postgresEnv(t, url)
  await (await openStore({ databaseUrl: url, schema: neighbour.DATABASE_SCHEMA, dataDir: tempDir(t) })).close()
  const own = postgresEnv(t, url)
  const store = await open(t, { databaseUrl: url, schema: own.DATABASE_SCHEMA, dataDir: tempDir(t) })
  t.equal((await store.accessKeys.list({ limit: 1, offset: 0 })).total, 0, 'its own tables exist and are empty')
})

test('Postgres query timeout: a query unanswered past queryTimeoutMs is a store outage; maintenance queries get longer', needs('TEST_DATABASE_URL', 'Postgres'), async (t) => {
  const env = postgresEnv(t, serviceUrl('TEST_DATABASE_URL'))
  const store = await open(t, { databaseUrl: env.DATABASE_URL, schema: env.DATABASE_SCHEMA, dataDir: tempDir(t), queryTimeoutMs: 200 })
  const slow = async (): Promise<unknown> => await sql`select pg_sleep(0.6)`.execute(store.db)
  const err = await slow().catch((e: unknown) => e)
  t.type(err, StoreUnavailableError, 'a request-path query waits queryTimeoutMs at most')
  t.equal((err as { cause?: Error }).cause?.message, 'Query read timeout')
  t.equal(await store.accessKeys.list({ limit: 1, offset: 0 }).then((page) => page.total), 0, 'the next query gets a working connection')
  await t.resolves(sql`select pg_sleep(0.6)`.execute(store.maintenanceDb), 'on the maintenance connection view (rollups, purges) the same query may run its course')
  t.equal(await store.accessKeys.list({ limit: 1, offset: 0 }).then((page) => page.total), 0, 'and the request path keeps its own timeout')
  t.type(await slow().catch((e: unknown) => e), StoreUnavailableError, 'which still applies after')
  t.equal(await store.usage.rollup('2026-01-01'), 0, 'the rollup runs under it')
})
