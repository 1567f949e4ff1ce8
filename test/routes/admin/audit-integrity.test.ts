import { test, type Test } from 'tap'
import { sql } from 'kysely'
import type { FastifyInstance } from 'fastify'
import { ADMIN_KEY, adminCall, bearer, build, issueKey } from '../../helpers/build.js'
import { needs, postgresEnv, serviceUrl } from '../../helpers/services.js'

const KEYS = '/api/admin/access-keys'
const AUDIT_DOWN = { error: 'Service Unavailable', message: 'The audit log cannot be written right now, so the change was not made; try again shortly.' }

type Backend = (t: Test) => Promise<FastifyInstance>
const sqlite: Backend = async (t) => await build(t)
const postgres: Backend = async (t) => await build(t, postgresEnv(t, serviceUrl('TEST_DATABASE_URL')))

async function auditLog (app: FastifyInstance, query: string): Promise<Array<{ action: string, details: Record<string, unknown> | null }>> {
  return (await adminCall(app, { url: `/api/admin/audit${query}` })).json().items
}

async function patchRecordsOldAndNew (t: Test, backend: Backend): Promise<void> {
  const app = await backend(t)
  const key = await issueKey(app, { name: 'before', scopes: ['chat'], models: ['openai/*'], creditLimit: 10, rpm: 60 })
  const patch = { scopes: ['chat', 'embeddings'], models: ['openai/gpt-4o'], creditLimit: 5, creditPeriod: 'day', rpm: null, tpm: 1000, maxConcurrent: 2 }
  t.equal((await adminCall(app, { method: 'PATCH', url: `${KEYS}/${key.id}`, payload: patch })).statusCode, 200)
  const [updated] = await auditLog(app, `?action=access_key.updated&targetId=${key.id}`)
  t.same(updated?.details, {
    changed: ['scopes', 'models', 'creditLimit', 'creditPeriod', 'rpm', 'tpm', 'maxConcurrent'],
    before: { scopes: ['chat'], models: ['openai/*'], creditLimit: 10, creditPeriod: 'total', rpm: 60, tpm: null, maxConcurrent: null },
    after: { scopes: ['chat', 'embeddings'], models: ['openai/gpt-4o'], creditLimit: 5, creditPeriod: 'day', rpm: null, tpm: 1000, maxConcurrent: 2 }
  })
  const text = JSON.stringify(await auditLog(app, ''))
  t.notOk(text.includes(key.key), 'no secret in the audit log')
  const { hash } = await app.store.db.selectFrom('access_keys').select('hash').where('id', '=', key.id).executeTakeFirstOrThrow()
  t.notOk(text.includes(hash), 'nor its hash')
}

/** Every key change answers 503 and leaves the key as it was once the audit log cannot take a line. */
async function noUnauditedKeyChange (t: Test, backend: Backend): Promise<void> {
  const app = await backend(t)
  const key = await issueKey(app, { name: 'kept', scopes: ['chat'], creditLimit: 1 })
  await sql`drop table audit_log`.execute(app.store.db)
  const attempts = [
    { method: 'PATCH' as const, url: `${KEYS}/${key.id}`, payload: { scopes: ['chat', 'admin'], creditLimit: null } },
    { method: 'POST' as const, url: `${KEYS}/${key.id}/revoke` },
    { method: 'POST' as const, url: `${KEYS}/${key.id}/rotate`, payload: {} },
    { method: 'POST' as const, url: KEYS, payload: { name: 'unaudited', scopes: ['admin'] } }
  ]
  for (const attempt of attempts) {
    const res = await adminCall(app, attempt)
    t.equal(res.statusCode, 503, `${attempt.method} ${attempt.url}`)
    t.same(res.json(), AUDIT_DOWN)
  }
  const after = (await adminCall(app, { url: `${KEYS}/${key.id}` })).json()
  t.match(after, { name: 'kept', scopes: ['chat'], creditLimit: 1, status: 'active' }, 'the key is unchanged and not revoked')
  t.ok(await app.accessKeys.authenticate(key.key), 'its secret was not rotated away')
  const { items } = (await adminCall(app, { url: KEYS })).json()
  t.same(items.map((k: { name: string }) => k.name).sort(), ['Bootstrap admin (ADMIN_KEY)', 'kept'], 'no key was created')
}

async function noUnauditedSessionEnd (t: Test, backend: Backend): Promise<void> {
  const app = await backend(t)
  const session = await app.adminSessions.issue({ subject: 'https://idp.example alice', email: 'alice@example.com' })
  const issued = await app.inject({ method: 'POST', url: KEYS, headers: bearer(session.token), payload: { name: 'by alice' } })
  t.equal(issued.statusCode, 201)
  await sql`drop table audit_log`.execute(app.store.db)
  const id = session.principal.sessionId ?? ''
  const ended = await adminCall(app, { method: 'DELETE', url: `/api/admin/sessions/${id}?revokeKeys=true` })
  t.equal(ended.statusCode, 503)
  t.same(ended.json(), AUDIT_DOWN)
  t.equal((await app.inject({ url: KEYS, headers: bearer(session.token) })).statusCode, 200, 'the session goes on')
  t.match((await adminCall(app, { url: `${KEYS}/${issued.json().id}` })).json(), { status: 'active' }, 'its key is not revoked')
  t.equal((await adminCall(app, { method: 'DELETE', url: '/api/admin/sessions' })).statusCode, 503, 'nor can every session be ended')
}

for (const [name, backend, guard] of [['SQLite', sqlite, {}], ['Postgres', postgres, needs('TEST_DATABASE_URL', 'Postgres')]] as const) {
  test(`a key PATCH is audited with the old and new scopes, models and limits, never the secret (${name})`, guard, async (t) => { await patchRecordsOldAndNew(t, backend) })
  test(`a key change whose audit line cannot be written is not made: 503 (${name})`, guard, async (t) => { await noUnauditedKeyChange(t, backend) })
  test(`ending a session whose audit line cannot be written ends nothing: 503 (${name})`, guard, async (t) => { await noUnauditedSessionEnd(t, backend) })
}

test('reads go on while the audit log cannot be written; only changes are refused', async (t) => {
  const app = await build(t)
  await sql`drop table audit_log`.execute(app.store.db)
  t.equal((await adminCall(app, { method: 'POST', url: KEYS, payload: { name: 'x' } })).statusCode, 503)
  t.equal((await app.inject({ url: KEYS, headers: bearer(ADMIN_KEY) })).statusCode, 200, 'the key list still answers')
})
