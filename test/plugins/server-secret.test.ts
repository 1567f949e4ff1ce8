import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'tap'
import { buildApp } from '#app.js'
import { ConfigError, loadConfig } from '#config.js'
import { ADMIN_KEY, tempDir } from '../helpers/build.js'
import { runTs } from '../helpers/run-ts.js'

/** A DATA_DIR whose server-secret file holds `content` (what a crash between create and write leaves behind). */
function dataDirWithSecret (t: Parameters<typeof tempDir>[0], content: string): string {
  const dir = tempDir(t)
  writeFileSync(join(dir, 'server-secret'), content, { mode: 0o600 })
  return dir
}

test('an empty server-secret file stops the server with exit 78 instead of keying every HMAC with an empty key', async (t) => {
  const res = await runTs('server.ts', [], { PORT: '0', DATA_DIR: dataDirWithSecret(t, ''), ADMIN_KEY, LOG_LEVEL: 'silent' })
  t.equal(res.code, 78, 'EX_CONFIG')
  t.match(res.stderr, /hubgate: Invalid configuration:\n {2}.*server-secret.* holds 0 bytes of secret, fewer than 32/)
  t.equal(res.stdout, '', 'nothing was started')
})

test('a server secret under 32 bytes is refused at start, never used', async (t) => {
  // 16 random bytes in base64url, and a line of whitespace
  for (const content of [Buffer.alloc(16, 7).toString('base64url') + '\n', ' \n']) {
    const config = loadConfig({ DATA_DIR: dataDirWithSecret(t, content), LOG_LEVEL: 'silent', ADMIN_KEY })
    const err = await buildApp(config, { print: () => {} }).then(async (app) => { await app.close() }, (e: unknown) => e)
    t.ok(err instanceof ConfigError, `${JSON.stringify(content)}: a ConfigError`)
    t.match((err as Error).message, /fewer than 32\. Restore the file from a backup, or set SERVER_SECRET/)
    t.notOk((err as Error).message.includes(content.trim() || '\u0000'), 'the short secret is not quoted')
  }
})

test('the generated server secret is 32 bytes, mode 0600, written whole with no temporary file left behind', async (t) => {
  const dataDir = join(tempDir(t), 'fresh')
  const app = await buildApp(loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent', ADMIN_KEY }), { print: () => {} })
  await app.close()
  const file = join(dataDir, 'server-secret')
  t.equal(statSync(file).mode & 0o777, 0o600)
  t.equal(Buffer.from(readFileSync(file, 'utf8').trim(), 'base64url').length, 32)
  t.same(readdirSync(dataDir).filter((name) => name.includes('server-secret')), ['server-secret'], 'no temporary file remains')
  t.same(app.serverSecret, Buffer.from(readFileSync(file, 'utf8').trim(), 'base64url'), 'the process uses what it wrote')
})
