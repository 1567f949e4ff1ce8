import { test } from 'tap'
import { request } from 'undici'
import { availableParallelism } from 'node:os'
import { ConfigError, loadConfig, workerCount } from '#config.js'
import { tempDir } from './helpers/build.js'
import { finished, runTs, startTs, waitForOutput } from './helpers/run-ts.js'

/** The ConfigError message loadConfig throws for `env` (fails the test if it accepts it). */
function rejection (env: Record<string, string>): string {
  try {
    loadConfig(env)
  } catch (err) {
    if (err instanceof ConfigError) return err.message
    throw err
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(Object.keys(env))}`)
}

test('defaults apply and env strings become typed values', async (t) => {
  t.match(loadConfig({}), { HOST: '127.0.0.1', PORT: 3000, DATA_DIR: './data', LOG_LEVEL: 'info', TRUST_PROXY: false, DATABASE_SCHEMA: 'public' })
  t.match(loadConfig({ PORT: '8080', TRUST_PROXY: 'true', LOG_LEVEL: 'debug', KEY_CACHE_TTL_MS: '0' }), { PORT: 8080, TRUST_PROXY: true, LOG_LEVEL: 'debug', KEY_CACHE_TTL_MS: 0 })
  t.equal(loadConfig({ PORT: '' }).PORT, 3000, 'an empty variable counts as unset')
})

test('WORKERS: 1 by default, a count, or auto (one per available core); anything else is refused', async (t) => {
  t.equal(workerCount(loadConfig({})), 1)
  t.equal(workerCount(loadConfig({ WORKERS: ' 4 ' })), 4)
  t.equal(workerCount(loadConfig({ WORKERS: 'AUTO' })), availableParallelism())
  for (const bad of ['0', '2.5', 'many', '-1', '2000']) {
    t.match(rejection({ WORKERS: bad }), /^ {2}WORKERS: Expected a number of worker processes from 1 to 1024, or auto/m, bad)
  }
})

test('bad values are refused with a message naming the variable', async (t) => {
  const cases: Array<[Record<string, string>, RegExp]> = [
    [{ PORT: 'abc' }, /^ {2}PORT: Expected integer$/m],
    [{ PORT: '3.5' }, /^ {2}PORT: Expected integer$/m],
    [{ PORT: '70000' }, /^ {2}PORT: .*65535/m],
    [{ PORT: '-1' }, /^ {2}PORT: /m],
    [{ LOG_LEVEL: 'loud' }, /^ {2}LOG_LEVEL: Expected one of: fatal, error, warn, info, debug, trace, silent$/m],
    [{ TRUST_PROXY: 'perhaps' }, /^ {2}TRUST_PROXY: Expected true, false, a hop count, or IP addresses \/ CIDRs/m],
    [{ DATABASE_SCHEMA: 'x; drop table y' }, /^ {2}DATABASE_SCHEMA: /m],
    [{ JWT_ALGORITHMS: 'none' }, /^ {2}JWT_ALGORITHMS: /m],
    [{ BODY_LIMIT: '10' }, /^ {2}BODY_LIMIT: /m],
    [{ DATABASE_QUERY_TIMEOUT_MS: '50' }, /^ {2}DATABASE_QUERY_TIMEOUT_MS: /m],
    [{ JWT_SECRET: 'j'.repeat(40), JWT_PUBLIC_KEY: '-----BEGIN PUBLIC KEY-----' }, /JWT_SECRET and JWT_PUBLIC_KEY are mutually exclusive/]
  ]
  for (const [env, message] of cases) {
    const text = rejection(env)
    t.match(text, /^Invalid configuration:\n/, JSON.stringify(env))
    t.match(text, message)
  }
})

test('every problem is listed at once', async (t) => {
  const text = rejection({ PORT: 'x', LOG_LEVEL: 'y', TRUST_PROXY: 'z' })
  t.match(text, /PORT: /)
  t.match(text, /LOG_LEVEL: /)
  t.match(text, /TRUST_PROXY: /)
})

test('secret values are never echoed in a config error', async (t) => {
  const secrets = { ADMIN_KEY: 'short-admin-value', SERVER_SECRET: 'short-server-value', JWT_SECRET: 'short-jwt-value' }
  const text = rejection(secrets)
  for (const [name, value] of Object.entries(secrets)) {
    t.match(text, new RegExp(`${name}: Expected string length greater or equal to 32`))
    t.notOk(text.includes(value), `${name} value not echoed`)
  }
  const pg = rejection({ DATABASE_URL: 'postgres://hubgate:db-password-123@db:5432/hubgate' })
  t.match(pg, /SERVER_SECRET is required with a Postgres DATABASE_URL/)
  t.notOk(pg.includes('db-password-123'))
})

test('the server entry exits non-zero with the problem on stderr when PORT is bad', async (t) => {
  const res = await runTs('server.ts', [], { PORT: 'eighty', DATA_DIR: tempDir(t), ADMIN_KEY: 'too-short-but-secret' })
  t.equal(res.code, 78, 'EX_CONFIG')
  t.match(res.stderr, /hubgate: Invalid configuration:\n {2}PORT: Expected integer\n/)
  t.notOk(res.stderr.includes('too-short-but-secret'))
  t.equal(res.stdout, '', 'nothing was started')
})

test('the server entry starts, prints the bootstrap admin key once, serves, and stops on SIGTERM', async (t) => {
  const child = startTs('server.ts', [], { PORT: '0', DATA_DIR: tempDir(t), LOG_LEVEL: 'info' })
  t.teardown(() => { child.kill('SIGKILL') })
  const done = finished(child)
  const [, key] = await waitForOutput(child, /\n {2}(hgk_[A-Za-z0-9_-]{43})\n/)
  const [, url] = await waitForOutput(child, /Server listening at (http:\/\/127\.0\.0\.1:\d+)/)
  t.equal((await request(`${url ?? ''}/health/ready`)).statusCode, 200)
  const keys = await request(`${url ?? ''}/api/admin/access-keys`, { headers: { authorization: `Bearer ${key ?? ''}` } })
  t.equal(keys.statusCode, 200, 'the printed key works as an admin key')
  await keys.body.dump()
  child.kill('SIGTERM')
  const { code, stdout } = await done
  t.equal(code, 0, 'graceful exit')
  t.equal(stdout.split(key ?? '').length - 1, 1, 'the secret appears exactly once in the output: the notice')
})
