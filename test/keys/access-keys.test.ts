import { test, type Test } from 'tap'
import type { FastifyInstance } from 'fastify'
import { build, tempDir } from '../helpers/build.js'
import { needs, postgresEnv, serviceUrl } from '../helpers/services.js'
import { sleep } from '../helpers/wait.js'


/** The whole life of a key through AccessKeyService, as the admin API and the CLI drive it. */
async function lifecycle (t: Test, app: FastifyInstance): Promise<void> {
  const service = app.accessKeys
  const { key, secret } = await service.create({ name: 'life', scopes: ['chat'], models: ['openai/*'], expiresAt: '2099-01-01T00:00:00+02:00' })
  t.match(secret, /^hgk_[A-Za-z0-9_-]{43}$/)
  t.equal(key.expiresAt, '2098-12-31T22:00:00.000Z', 'expiry stored as canonical UTC, whoever calls')

  const principal = await service.authenticate(secret)
  t.match(principal, { kind: 'access-key', id: key.id, name: 'life' })
  t.ok(principal?.scopes.has('chat'))
  t.equal(principal?.allowsModel('openai/gpt-4o'), true)
  t.equal(principal?.allowsModel('anthropic/claude'), false)

  await service.update(key.id, { scopes: ['chat', 'images'] })
  t.ok((await service.authenticate(secret))?.scopes.has('images'), 'an update is seen on the next call')

  const rotated = await service.rotate(key.id, 3)
  t.equal(rotated?.key.id, key.id)
  t.ok(await service.authenticate(secret), 'the old secret inside its grace seconds')
  t.ok(await service.authenticate(rotated?.secret ?? ''), 'the new secret')
  // the hot path remembers the HMAC of secrets it has seen valid: that must not outlive their validity. It answers
  // only from the cache, which a key-change notice (Postgres NOTIFY of the rotation) may clear: fill it again first.
  const onHotPath = async (presented: string): Promise<boolean> => {
    for (let i = 0; i < 20; i++) {
      if (service.authenticateCached(presented) !== undefined) return true
      await service.authenticate(presented)
      await sleep(25)
    }
    return false
  }
  t.ok(await onHotPath(secret), 'the old secret on the hot path, inside its grace seconds')
  t.ok(await onHotPath(rotated?.secret ?? ''), 'the new secret on the hot path')
  await sleep(3100)
  t.equal(service.authenticateCached(secret), undefined, 'the old secret on the hot path after its grace seconds')
  t.equal(await service.authenticate(secret), undefined, 'the old secret after its grace seconds')

  await service.revoke(key.id)
  t.equal(service.authenticateCached(rotated?.secret ?? ''), undefined, 'revoked, on the hot path')
  t.equal(await service.authenticate(rotated?.secret ?? ''), undefined, 'revoked')
  t.equal(await service.rotate(key.id), undefined, 'a revoked key cannot be rotated')
  await t.rejects(service.create({ name: 'bad', scopes: ['root'] }), /unknown scope "root"/)
}

/** lastUsedAt is recorded off the hot path: nothing is written until the batch is flushed. */
async function lastUsedBatching (t: Test, app: FastifyInstance): Promise<void> {
  const service = app.accessKeys
  const a = await service.create({ name: 'a' })
  const b = await service.create({ name: 'b' })
  for (let i = 0; i < 5; i++) await service.authenticate(a.secret)
  await service.authenticate(b.secret)
  t.equal((await app.store.accessKeys.findById(a.key.id))?.lastUsedAt, null, 'not written while authenticating')
  await service.flushLastUsed()
  const usedA = (await app.store.accessKeys.findById(a.key.id))?.lastUsedAt
  t.match(usedA, /^\d{4}-.*Z$/, 'written by the flush')
  t.match((await app.store.accessKeys.findById(b.key.id))?.lastUsedAt, /Z$/, 'every key of the batch')
  await service.flushLastUsed()
  t.equal((await app.store.accessKeys.findById(a.key.id))?.lastUsedAt, usedA, 'an empty flush changes nothing')
}

/** A failed flush keeps the times for the next one, so a store hiccup loses nothing. */
async function flushRetry (t: Test, app: FastifyInstance): Promise<void> {
  const { key, secret } = await app.accessKeys.create({ name: 'retry' })
  await app.accessKeys.authenticate(secret)
  const touch = app.store.accessKeys.touch.bind(app.store.accessKeys)
  app.store.accessKeys.touch = async () => { throw new Error('store hiccup') }
  await app.accessKeys.flushLastUsed()
  app.store.accessKeys.touch = touch
  t.equal((await app.store.accessKeys.findById(key.id))?.lastUsedAt, null)
  await app.accessKeys.flushLastUsed()
  t.match((await app.store.accessKeys.findById(key.id))?.lastUsedAt, /Z$/, 'written on the next flush')
}

const noAutoFlush = { LAST_USED_FLUSH_MS: String(3_600_000) }

test('key lifecycle on SQLite', async (t) => {
  const app = await build(t, noAutoFlush)
  await t.test('create, authenticate, update, rotate, revoke', async (t) => { await lifecycle(t, app) })
  await t.test('last-used times are batched', async (t) => { await lastUsedBatching(t, app) })
  await t.test('a failed last-used flush is retried', async (t) => { await flushRetry(t, app) })
})

test('key lifecycle on Postgres', needs('TEST_DATABASE_URL', 'Postgres'), async (t) => {
  const app = await build(t, { ...postgresEnv(t, serviceUrl('TEST_DATABASE_URL')), ...noAutoFlush })
  await t.test('create, authenticate, update, rotate, revoke', async (t) => { await lifecycle(t, app) })
  await t.test('last-used times are batched', async (t) => { await lastUsedBatching(t, app) })
  await t.test('a failed last-used flush is retried', async (t) => { await flushRetry(t, app) })
})

test('closing the app flushes pending last-used times', async (t) => {
  const dataDir = tempDir(t)
  const first = await build(t, { ...noAutoFlush, DATA_DIR: dataDir })
  const { key, secret } = await first.accessKeys.create({ name: 'flushed on close' })
  await first.accessKeys.authenticate(secret)
  await first.close()
  const second = await build(t, { DATA_DIR: dataDir })
  t.match((await second.store.accessKeys.findById(key.id))?.lastUsedAt, /Z$/)
})
