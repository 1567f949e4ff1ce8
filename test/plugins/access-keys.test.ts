import { createHmac } from 'node:crypto'
import { readFileSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'tap'
import { ADMIN_KEY, bearer, build, issueKey, tempDir } from '../helpers/build.js'

const KEYS = '/api/admin/access-keys'
const NOTICE = /Hubgate bootstrap admin key \(shown once, store it now; it is kept only as a hash\):\n\n {2}(hgk_[A-Za-z0-9_-]{43})\n/

/** Starts a gateway on `dataDir` with no ADMIN_KEY and returns what it printed for the operator. */
async function startWithoutAdminKey (t: Parameters<typeof build>[0], dataDir: string): Promise<{ printed: string[], app: Awaited<ReturnType<typeof build>> }> {
  const printed: string[] = []
  const app = await build(t, { DATA_DIR: dataDir, ADMIN_KEY: '' }, { print: (text) => printed.push(text) })
  return { printed, app }
}

test('the first start without an admin key creates one and prints it once', async (t) => {
  const dataDir = tempDir(t)
  const first = await startWithoutAdminKey(t, dataDir)
  t.equal(first.printed.length, 1, 'one notice')
  const secret = NOTICE.exec(first.printed[0] ?? '')?.[1]
  if (secret === undefined) throw new Error(`no key in the notice: ${first.printed[0] ?? ''}`)
  const list = await first.app.inject({ url: KEYS, headers: bearer(secret) })
  t.equal(list.statusCode, 200, 'the printed key is an admin key')
  t.match(list.json().items, [{ name: 'Bootstrap admin', scopes: ['chat', 'embeddings', 'images', 'video', 'audio', 'admin'], prefix: secret.slice(0, 12) }])
  await first.app.close()

  const second = await startWithoutAdminKey(t, dataDir)
  t.same(second.printed, [], 'nothing printed once an admin key exists')
  t.equal((await second.app.inject({ url: KEYS, headers: bearer(secret) })).statusCode, 200, 'the key survives a restart')
})

test('a new admin key is printed again when every admin key is revoked', async (t) => {
  const dataDir = tempDir(t)
  const first = await startWithoutAdminKey(t, dataDir)
  const secret = NOTICE.exec(first.printed[0] ?? '')?.[1] ?? ''
  const { items } = (await first.app.inject({ url: KEYS, headers: bearer(secret) })).json()
  await first.app.inject({ method: 'POST', url: `${KEYS}/${String(items[0].id)}/revoke`, headers: bearer(secret) })
  await first.app.close()
  const second = await startWithoutAdminKey(t, dataDir)
  const next = NOTICE.exec(second.printed[0] ?? '')?.[1]
  t.not(next, undefined, 'a fresh admin key was printed')
  t.not(next, secret)
})

test('ADMIN_KEY is the bootstrap admin key: nothing is printed and changing it replaces the old one', async (t) => {
  const dataDir = tempDir(t)
  const printed: string[] = []
  const app = await build(t, { DATA_DIR: dataDir }, { print: (text) => printed.push(text) })
  t.same(printed, [])
  t.equal((await app.inject({ url: KEYS, headers: bearer(ADMIN_KEY) })).statusCode, 200)
  await app.close()

  const replacement = 'hgk_a-different-admin-key-0123456789abcdefghijkl'
  const again = await build(t, { DATA_DIR: dataDir, ADMIN_KEY: replacement })
  t.equal((await again.inject({ url: KEYS, headers: bearer(replacement) })).statusCode, 200)
  t.equal((await again.inject({ url: KEYS, headers: bearer(ADMIN_KEY) })).statusCode, 401, 'the previous ADMIN_KEY stops working')
  t.equal((await again.inject({ url: KEYS, headers: bearer(replacement) })).json().total, 1, 'still one bootstrap key')
})

test('secrets are stored only as HMAC-SHA256 under the server secret kept in DATA_DIR', async (t) => {
  const dataDir = tempDir(t)
  const app = await build(t, { DATA_DIR: dataDir })
  const issued = await issueKey(app)
  const secretFile = join(dataDir, 'server-secret')
  t.equal(statSync(secretFile).mode & 0o777, 0o600, 'server secret readable by the owner only')
  const serverSecret = Buffer.from(readFileSync(secretFile, 'utf8').trim(), 'base64url')
  t.equal(serverSecret.length, 32)

  const row = await app.store.db.selectFrom('access_keys').selectAll().where('id', '=', issued.id).executeTakeFirstOrThrow()
  t.equal(row.hash, createHmac('sha256', serverSecret).update(issued.key).digest('hex'))
  t.equal(row.prefix, issued.key.slice(0, 12))
  await app.close()
  for (const file of readdirSync(dataDir)) {
    t.notOk(readFileSync(join(dataDir, file)).includes(issued.key), `${file} does not contain the secret`)
    t.notOk(readFileSync(join(dataDir, file)).includes(ADMIN_KEY), `${file} does not contain ADMIN_KEY`)
  }
})

test('SERVER_SECRET from the environment keys the HMAC and no secret file is written', async (t) => {
  const dataDir = tempDir(t)
  const serverSecret = 'env-server-secret-0123456789abcdefghijklmnop'
  const app = await build(t, { DATA_DIR: dataDir, SERVER_SECRET: serverSecret })
  const issued = await issueKey(app)
  const row = await app.store.db.selectFrom('access_keys').select('hash').where('id', '=', issued.id).executeTakeFirstOrThrow()
  t.equal(row.hash, createHmac('sha256', serverSecret).update(issued.key).digest('hex'))
  t.notOk(readdirSync(dataDir).includes('server-secret'))
})

test('keys keep working across restarts because the server secret is kept', async (t) => {
  const dataDir = tempDir(t)
  const first = await build(t, { DATA_DIR: dataDir })
  const issued = await issueKey(first)
  await first.close()
  const second = await build(t, { DATA_DIR: dataDir })
  t.equal((await second.inject({ url: `${KEYS}/${issued.id}`, headers: bearer(ADMIN_KEY) })).statusCode, 200)
  t.ok(await second.accessKeys.authenticate(issued.key), 'the issued key authenticates after a restart')
})
