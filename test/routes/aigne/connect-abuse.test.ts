import { Writable } from 'node:stream'
import { test, type Test } from 'tap'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '#app.js'
import { loadConfig } from '#config.js'
import { ADMIN_KEY, build, tempDir } from '../../helpers/build.js'
import { needs, postgresEnv, serviceUrl } from '../../helpers/services.js'
import { approve, collect, openSession, SESSION_PATH } from '../../helpers/connect.js'

const open = async (app: FastifyInstance, ip = '203.0.113.7') => await app.inject({ method: 'POST', url: SESSION_PATH, remoteAddress: ip })
const liveSessions = async (app: FastifyInstance) => (await app.store.db.selectFrom('connect_sessions').select('id_hash').execute()).length

async function floodIsBounded (t: Test, app: FastifyInstance, slack: number): Promise<void> {
  // many addresses at once (no per-IP limit applies): the store keeps at most CONNECT_SESSIONS_MAX sessions
  const answers = await Promise.all(Array.from({ length: 40 }, async (_, i) => await open(app, `198.51.100.${i + 1}`)))
  const opened = answers.filter((r) => r.statusCode === 200).length
  t.ok(opened >= 5 && opened <= 5 + slack, `${opened} sessions opened of 40 (bound 5)`)
  const refused = answers.find((r) => r.statusCode !== 200)
  t.equal(refused?.statusCode, 503)
  t.same(refused?.json(), { error: 'Service Unavailable', message: 'Too many connection requests are waiting for approval; try again in a few minutes.' })
  t.equal(refused?.headers['retry-after'], '60')
  t.ok(await liveSessions(app) <= 5 + slack, 'the store holds no more than the bound')
}

test('a flood of session opens cannot fill the store (SQLite: the bound is exact)', async (t) => {
  const app = await build(t, { CONNECT_SESSIONS_MAX: '5', CONNECT_SESSIONS_PER_MINUTE: '1000' })
  await floodIsBounded(t, app, 0)
  await app.store.db.updateTable('connect_sessions').set({ expires_at: new Date(Date.now() - 1).toISOString() }).execute()
  t.equal((await open(app)).statusCode, 200, 'expired sessions free their places')
})

test('a flood of session opens cannot fill the store (Postgres)', needs('TEST_DATABASE_URL', 'Postgres'), async (t) => {
  const app = await build(t, { CONNECT_SESSIONS_MAX: '5', CONNECT_SESSIONS_PER_MINUTE: '1000', ...postgresEnv(t, serviceUrl('TEST_DATABASE_URL')) })
  // concurrent inserts on separate connections each count before the others commit: at most one per pooled connection over
  await floodIsBounded(t, app, 10)
  const sid = await openSession(await build(t, { ...postgresEnv(t, serviceUrl('TEST_DATABASE_URL')) }))
  t.match(sid, /^[A-Za-z0-9_-]{32}$/, 'opens on Postgres too')
})

test('unauthenticated opens and polls are rate-limited per client IP, with the standard error body', async (t) => {
  const app = await build(t, { CONNECT_SESSIONS_PER_MINUTE: '3', CONNECT_POLLS_PER_MINUTE: '4' })
  const statuses = []
  for (let i = 0; i < 4; i++) statuses.push((await open(app, '203.0.113.9')).statusCode)
  t.same(statuses, [200, 200, 200, 429])
  const limited = await open(app, '203.0.113.9')
  t.match(limited.json(), { error: 'Too Many Requests', message: /Too many connection requests from this address \(3 a minute\)/ })
  t.same(Object.keys(limited.json()).sort(), ['error', 'message'])
  t.ok(limited.headers['retry-after'] !== undefined)
  t.equal((await open(app, '203.0.113.10')).statusCode, 200, 'another address is not affected')

  const sid = await openSession(app)
  const polls = []
  for (let i = 0; i < 5; i++) polls.push((await app.inject({ url: `${SESSION_PATH}?sid=${sid}`, remoteAddress: '203.0.113.11' })).statusCode)
  t.same(polls, [200, 200, 200, 200, 429])
})

test('the session id and the key never reach the logs', async (t) => {
  let captured = ''
  const stream = new Writable({ write (chunk: Buffer, _enc, done) { captured += chunk.toString(); done() } })
  const app = await buildApp(loadConfig({ DATA_DIR: tempDir(t), LOG_LEVEL: 'info', ADMIN_KEY }), { print: () => {} }, { logger: { level: 'trace', stream } })
  t.teardown(async () => { await app.close() })
  const sid = await openSession(app)
  await app.inject({ url: `/.well-known/service/gen-simple-access-key?__token__=${Buffer.from(sid).toString('base64url')}&appName=x` })
  await approve(app, sid)
  const { secret } = await collect(app, sid)
  await app.inject({ method: 'DELETE', url: `${SESSION_PATH}?sid=${sid}` })
  t.ok(captured.includes('access-key/session?sid=[REDACTED]'), 'requests are logged, their sid redacted')
  t.notOk(captured.includes(sid), 'no session id')
  t.notOk(captured.includes(Buffer.from(sid).toString('base64url')), 'no approval-page token')
  t.notOk(captured.includes(secret), 'no key')
})
