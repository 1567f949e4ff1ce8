import { join } from 'node:path'
import { test, type Test } from 'tap'
import { ADMIN_KEY, bearer, build, tempDir } from '../helpers/build.js'
import { needs, postgresEnv, serviceUrl } from '../helpers/services.js'

const REPLICAS = 3

/** Starts REPLICAS gateways on the same store at the same moment; every one must come up. */
async function startTogether (t: Test, env: Record<string, string>): Promise<{ apps: Array<Awaited<ReturnType<typeof build>>>, printed: string[] }> {
  const printed: string[] = []
  const apps = await Promise.all(Array.from({ length: REPLICAS }, async () => await build(t, env, { print: (text) => printed.push(text) })))
  return { apps, printed }
}

async function assertOneBootstrapKey (t: Test, env: Record<string, string>): Promise<void> {
  const { apps } = await startTogether(t, env)
  for (const app of apps) {
    const res = await app.inject({ url: '/api/admin/access-keys', headers: bearer(ADMIN_KEY) })
    t.equal(res.statusCode, 200, 'every replica accepts ADMIN_KEY')
    t.equal(res.json().total, 1, 'and sees the one bootstrap key')
  }
  const [first, second] = apps
  const created = await first?.inject({ method: 'POST', url: '/api/admin/access-keys', headers: bearer(ADMIN_KEY), payload: { name: 'shared' } })
  const key = created?.json<{ key: string }>().key ?? ''
  t.equal((await second?.inject({ url: '/api/admin/access-keys', headers: bearer(key) }))?.statusCode, 401, 'a key issued on one replica is known to another (chat scope: 401 on admin, not unknown)')
  t.ok(await second?.accessKeys.authenticate(key), 'it authenticates on the other replica')
}

async function assertOnePrintedKey (t: Test, env: Record<string, string>): Promise<void> {
  const { apps, printed } = await startTogether(t, { ...env, ADMIN_KEY: '' })
  t.equal(printed.length, 1, 'exactly one bootstrap admin key is created and printed')
  const secret = /(hgk_[A-Za-z0-9_-]{43})/.exec(printed[0] ?? '')?.[1] ?? ''
  for (const app of apps) {
    t.equal((await app.inject({ url: '/api/admin/access-keys', headers: bearer(secret) })).statusCode, 200, 'and works on every replica')
  }
}

test('replicas starting at once on one SQLite file migrate cleanly', async (t) => {
  // one database file and server secret, each replica its own DATA_DIR (a DATA_DIR is one process's: metering/data-dir-lock.ts)
  const shared = (): Record<string, string> => ({ DATABASE_URL: join(tempDir(t), 'shared.db'), SERVER_SECRET: 'a-server-secret-shared-by-all-0123456789' })
  await t.test('with ADMIN_KEY', async (t) => { await assertOneBootstrapKey(t, shared()) })
  await t.test('without ADMIN_KEY', async (t) => { await assertOnePrintedKey(t, shared()) })
})

test('replicas starting at once on one Postgres schema migrate cleanly', needs('TEST_DATABASE_URL', 'Postgres'), async (t) => {
  const url = serviceUrl('TEST_DATABASE_URL')
  await t.test('with ADMIN_KEY', async (t) => { await assertOneBootstrapKey(t, postgresEnv(t, url)) })
  await t.test('without ADMIN_KEY', async (t) => { await assertOnePrintedKey(t, postgresEnv(t, url)) })
})
