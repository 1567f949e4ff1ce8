import { userInfo } from 'node:os'
import { readFileSync } from 'node:fs'
import t, { test, type Test } from 'tap'
import type { FastifyInstance } from 'fastify'
import { adminCall, bearer, tempDir } from '../helpers/build.js'
import { PROBE_URL, buildWithProbe } from '../helpers/probe.js'
import { builtEntry } from '../helpers/transpile.js'
import { needs, postgresEnv, serviceUrl } from '../helpers/services.js'
import { eventually } from '../helpers/wait.js'

interface CliKey { id: string, name: string, prefix: string, scopes: string[], models: string[], status: string, key?: string }

// built once like dist/cli/keys.js, then run as an executable: each run is a real process on its shebang
const cli = builtEntry(t, 'cli/keys.ts')
const keys = cli.run

test('the built CLI starts with a node shebang', async (t) => {
  t.match(readFileSync(cli.file, 'utf8'), /^#!\/usr\/bin\/env node\n/)
})

/** Runs a CLI command that must succeed with --json and returns its parsed output. */
async function keysJson<T> (t: Test, env: Record<string, string>, ...args: string[]): Promise<T> {
  const res = await keys(env, ...args, '--json')
  t.equal(res.code, 0, `hubgate-keys ${args.join(' ')} succeeds`)
  t.equal(res.stderr, '', 'nothing on stderr')
  return JSON.parse(res.stdout) as T
}

async function probe (app: FastifyInstance, key: string): Promise<number> {
  return (await app.inject({ url: PROBE_URL, headers: bearer(key) })).statusCode
}

test('keys created, rotated and revoked by the CLI act on a running gateway on the same DATA_DIR', async (t) => {
  const env = { DATA_DIR: tempDir(t) }
  const app = await buildWithProbe(t, env)

  const created = await keysJson<CliKey>(t, env, 'create', '--name', 'from the cli', '--scopes', 'chat, embeddings', '--models', 'openai/*')
  t.match(created, { name: 'from the cli', scopes: ['chat', 'embeddings'], models: ['openai/*'], status: 'active', key: /^hgk_[A-Za-z0-9_-]{43}$/ })
  const secret = created.key ?? ''
  t.equal(await probe(app, secret), 200, 'the CLI key authenticates on the gateway')

  const listed = await keys(env, 'list')
  t.equal(listed.code, 0)
  t.match(listed.stdout, /^ID +NAME +PREFIX +STATUS +SCOPES +MODELS +EXPIRES +LAST USED\n/)
  t.match(listed.stdout, new RegExp(`${created.id} +from the cli +${created.prefix} +active +chat,embeddings +openai/\\*`))
  t.notOk(listed.stdout.includes(secret), 'the list never shows a secret')

  const rotated = await keysJson<CliKey>(t, env, 'rotate', created.id)
  t.equal(rotated.id, created.id)
  t.equal(await probe(app, secret), 401, 'the rotated-away secret stops on the next request')
  t.equal(await probe(app, rotated.key ?? ''), 200)

  const revoked = await keysJson<CliKey>(t, env, 'revoke', created.id)
  t.equal(revoked.status, 'revoked')
  t.notOk('key' in revoked, 'revoke prints no secret')
  t.equal(await probe(app, rotated.key ?? ''), 401, 'revocation applies to the very next request')

  const audit = await adminCall(app, { url: `/api/admin/audit?targetId=${created.id}` })
  t.match(audit.json().items, [
    { action: 'access_key.revoked', actor: `cli:${userInfo().username}`, ip: null },
    { action: 'access_key.rotated', details: { graceSeconds: 0 } },
    { action: 'access_key.created', details: { name: 'from the cli' } }
  ], 'CLI actions are in the audit log')
})

test('the CLI prints a readable secret once and honours expiry and grace options', async (t) => {
  const env = { DATA_DIR: tempDir(t) }
  const res = await keys(env, 'create', '--name', 'readable', '--expires', '2099-01-01T00:00:00+01:00')
  t.equal(res.code, 0)
  t.match(res.stdout, /^Created access key "readable" \(id [0-9a-f-]{36}, active\)\n/)
  t.match(res.stdout, /expires {2}2098-12-31T23:00:00\.000Z\n/)
  t.match(res.stdout, /Secret \(shown once, store it now; only a hash is kept\):\n\n {2}hgk_[A-Za-z0-9_-]{43}\n/)
  const id = /id ([0-9a-f-]{36})/.exec(res.stdout)?.[1] ?? ''

  t.match(res.stdout, /limits {3}none\n/)
  const limited = await keys(env, 'create', '--name', 'metered', '--credit-limit', '12.5', '--credit-period', 'day', '--per-app-credit-limit', '2', '--rpm', '60', '--tpm', '10000', '--max-concurrent', '4')
  t.match(limited.stdout, /limits {3}12\.5 credits per day, 2 credits per app, 60 rpm, 10000 tpm, 4 at once\n/, 'limits given on the command line')
  const limitedId = /id ([0-9a-f-]{36})/.exec(limited.stdout)?.[1] ?? ''

  const rotated = await keys(env, 'rotate', id, '--grace-seconds', '60')
  t.equal(rotated.code, 0)
  t.match(rotated.stdout, /^Rotated access key "readable"/)
  const list = await keysJson<{ items: CliKey[], total: number }>(t, env, 'list', '--limit', '5')
  t.equal(list.total, 2)
  t.match(list.items.find((k) => k.id === limitedId), { creditLimit: 12.5, creditPeriod: 'day', perAppCreditLimit: 2, rpm: 60, tpm: 10_000, maxConcurrent: 4 })
  t.notMatch(JSON.stringify(list), /hgk_[A-Za-z0-9_-]{43}|"hash"|"key"/, 'no secret or hash in the JSON list either')

  await keys(env, 'create', '--name', 'another one')
  const found = await keysJson<{ items: CliKey[], total: number }>(t, env, 'list', '--search', 'READ')
  t.same(found.items.map((k) => k.name), ['readable'], '--search narrows the list by name, in any case')
  t.equal((await keysJson<{ items: CliKey[], total: number }>(t, env, 'list', '--search', 'nothing')).total, 0)
})

test('the CLI works on a Postgres store shared with the gateway', needs('TEST_DATABASE_URL', 'Postgres'), async (t) => {
  const env = postgresEnv(t, serviceUrl('TEST_DATABASE_URL'))
  const app = await buildWithProbe(t, env)
  const created = await keysJson<CliKey>(t, env, 'create', '--name', 'pg cli key')
  t.equal(await probe(app, created.key ?? ''), 200)
  await keysJson<CliKey>(t, env, 'revoke', created.id)
  t.ok(await eventually(async () => await probe(app, created.key ?? '') === 401), 'the revocation reaches the gateway by notification')
})
