import { chmodSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'tap'
import { build, issueKey, tempDir } from '../helpers/build.js'

const modeOf = (path: string): number => statSync(path).mode & 0o777

test('a DATA_DIR the gateway creates is 0700 and its SQLite files (db, -wal, -shm) and server secret are 0600', async (t) => {
  const dataDir = join(tempDir(t), 'data')
  const app = await build(t, { DATA_DIR: dataDir })
  // a write, so the WAL is in use
  await issueKey(app)
  t.equal(modeOf(dataDir), 0o700, 'DATA_DIR is for the gateway\'s user only')
  for (const name of ['hubgate.db', 'hubgate.db-wal', 'hubgate.db-shm', 'server-secret']) {
    t.equal(modeOf(join(dataDir, name)), 0o600, `${name} is 0600`)
  }
})

test('a readable database file left by an older version is tightened to 0600 at start', async (t) => {
  const dataDir = tempDir(t)
  const db = join(dataDir, 'hubgate.db')
  const first = await build(t, { DATA_DIR: dataDir })
  await first.close()
  chmodSync(db, 0o644)
  await build(t, { DATA_DIR: dataDir })
  t.equal(modeOf(db), 0o600)
})

test('a SQLite file named by DATABASE_URL is created 0600', async (t) => {
  const file = join(tempDir(t), 'elsewhere.db')
  const app = await build(t, { DATABASE_URL: `sqlite:${file}` })
  await issueKey(app)
  t.equal(modeOf(file), 0o600)
  t.equal(modeOf(`${file}-wal`), 0o600)
})

test('a DATA_DIR that already exists keeps the mode its operator gave it', async (t) => {
  const dataDir = tempDir(t)
  chmodSync(dataDir, 0o750)
  writeFileSync(join(dataDir, 'marker'), '')
  await build(t, { DATA_DIR: dataDir })
  t.equal(modeOf(dataDir), 0o750)
})
