import { createRequire } from 'node:module'
import { test } from 'tap'
import { build } from '../../helpers/build.js'

/*
 * The embedded default (SQLite, no SSO, no tracing) does not load what only other configurations use: the Postgres
 * driver alone is ~3 MB of heap. This file imports nothing that would load it itself (test/helpers/services.ts does).
 */
test('a gateway on the embedded default does not load the Postgres driver', async (t) => {
  const app = await build(t)
  t.equal((await app.inject({ url: '/health/ready' })).statusCode, 200, 'the gateway is up')
  const loaded = Object.keys(createRequire(import.meta.url).cache)
  t.ok(loaded.some((path) => path.includes('/node_modules/better-sqlite3/')), 'the check sees the modules the gateway loaded')
  t.same(loaded.filter((path) => /\/node_modules\/pg(-[a-z]+)?\//.test(path)), [], 'no pg, pg-pool or pg-protocol')
})
