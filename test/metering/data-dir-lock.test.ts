import { existsSync, mkdirSync, utimesSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'tap'
import { buildApp } from '#app.js'
import { loadConfig } from '#config.js'
import { DataDirInUseError, LOCK_NAME } from '#metering/data-dir-lock.js'
import { ADMIN_KEY, build, tempDir } from '../helpers/build.js'

/** A gateway on `dataDir` that the test closes itself. */
async function start (dataDir: string, waitMs: number): Promise<Awaited<ReturnType<typeof buildApp>>> {
  return await buildApp(loadConfig({ DATA_DIR: dataDir, DATA_DIR_LOCK_WAIT_MS: String(waitMs), LOG_LEVEL: 'silent', ADMIN_KEY, MAX_EVENT_LOOP_DELAY_MS: '0' }))
}

test('a second gateway on a DATA_DIR in use refuses to start, after waiting DATA_DIR_LOCK_WAIT_MS', async (t) => {
  const dataDir = tempDir(t)
  const first = await build(t, { DATA_DIR: dataDir })
  t.ok(existsSync(join(dataDir, LOCK_NAME)), 'the running gateway holds DATA_DIR')

  const began = Date.now()
  const err = await start(dataDir, 400).then(() => undefined, (e: unknown) => e)
  t.type(err, DataDirInUseError)
  t.match((err as Error).message, /is in use by another running Hubgate process .*every replica needs its own DATA_DIR/)
  t.ok(Date.now() - began >= 400, 'it waited for the holder to exit first')
  t.equal((await first.inject({ url: '/health/ready' })).statusCode, 200, 'the first one serves on, its journal untouched')
})

test('a gateway that shut down hands DATA_DIR over at once', async (t) => {
  const dataDir = tempDir(t)
  const first = await start(dataDir, 0)
  await first.close()
  t.notOk(existsSync(join(dataDir, LOCK_NAME)), 'released at close')
  const next = await start(dataDir, 0)
  t.teardown(async () => { await next.close() })
  t.equal((await next.inject({ url: '/health/ready' })).statusCode, 200)
})

test('a starting gateway waits for the one it replaces to drain and exit', async (t) => {
  const dataDir = tempDir(t)
  const old = await start(dataDir, 0)
  let oldClosedAt = 0
  setTimeout(() => { void old.close().then(() => { oldClosedAt = Date.now() }) }, 300)
  const next = await start(dataDir, 10_000)
  t.teardown(async () => { await next.close() })
  t.ok(oldClosedAt > 0, 'it started only after the old one had closed')
  t.equal((await next.inject({ url: '/health/ready' })).statusCode, 200)
})

test('the lock of a process that died without releasing it (SIGKILL, OOM) is taken over once stale', async (t) => {
  const dataDir = tempDir(t)
  const lock = join(dataDir, LOCK_NAME)
  mkdirSync(lock)
  const fresh = await start(dataDir, 0).then(() => undefined, (e: unknown) => e)
  t.type(fresh, DataDirInUseError, 'a lock refreshed moments ago belongs to a live process')

  // a live holder refreshes its lock every 5 s: one untouched for 11 s is a dead one's
  const past = new Date(Date.now() - 11_000)
  utimesSync(lock, past, past)
  const app = await start(dataDir, 0)
  t.teardown(async () => { await app.close() })
  t.equal((await app.inject({ url: '/health/ready' })).statusCode, 200, 'started on the dead process\'s DATA_DIR')
})
