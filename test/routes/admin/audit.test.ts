import { test } from 'tap'
import { createSigner } from 'fast-jwt'
import type { FastifyInstance } from 'fastify'
import { adminCall, bearer, build, issueKey } from '../../helpers/build.js'
import { sleep } from '../../helpers/wait.js'

const KEYS = '/api/admin/access-keys'
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/

interface Entry { id: string, at: string, actor: string, action: string, targetType: string, targetId: string | null, ip: string | null, details: Record<string, unknown> | null }

async function auditLog (app: FastifyInstance, query = ''): Promise<Entry[]> {
  const res = await adminCall(app, { url: `/api/admin/audit${query}` })
  if (res.statusCode !== 200) throw new Error(`audit list failed: ${res.statusCode} ${res.body}`)
  return res.json<{ items: Entry[] }>().items
}

test('every admin action is recorded with actor, action, target, time and IP, newest first', async (t) => {
  const app = await build(t)
  const created = await issueKey(app, { name: 'audited', scopes: ['chat'] })
  await adminCall(app, { method: 'PATCH', url: `${KEYS}/${created.id}`, payload: { name: 'renamed' } })
  const rotated = await adminCall(app, { method: 'POST', url: `${KEYS}/${created.id}/rotate`, payload: { graceSeconds: 5 } })
  await adminCall(app, { method: 'POST', url: `${KEYS}/${created.id}/revoke` })

  const items = await auditLog(app)
  t.same(items.map((e) => e.action), ['access_key.revoked', 'access_key.rotated', 'access_key.updated', 'access_key.created'])
  for (const entry of items) {
    t.match(entry, { actor: 'access-key:bootstrap-admin', targetType: 'access_key', targetId: created.id, ip: '127.0.0.1', at: ISO })
  }
  t.same(items[3]?.details, { name: 'audited', scopes: ['chat'], models: ['*'], creditLimit: null, creditPeriod: 'total', perAppCreditLimit: null, rpm: null, tpm: null, maxConcurrent: null })
  t.same(items[2]?.details, { changed: ['name'], before: { name: 'audited' }, after: { name: 'renamed' } })
  t.same(items[1]?.details, { graceSeconds: 5 })

  const text = JSON.stringify(items)
  t.notOk(text.includes(created.key), 'the issued secret is not in the audit log')
  t.notOk(text.includes(rotated.json<{ key: string }>().key), 'nor the rotated one')
})

test('reads and refused attempts leave no audit record', async (t) => {
  const app = await build(t)
  const key = await issueKey(app)
  await adminCall(app, { url: KEYS })
  await adminCall(app, { url: `${KEYS}/${key.id}` })
  await adminCall(app, { method: 'POST', url: `${KEYS}/missing/revoke` })
  await adminCall(app, { method: 'POST', url: KEYS, payload: { name: '' } })
  await app.inject({ method: 'POST', url: KEYS, headers: bearer(key.key), payload: { name: 'not allowed' } })
  t.same((await auditLog(app)).map((e) => e.action), ['access_key.created'])
})

test('the audit log filters by action, target and time, and pages', async (t) => {
  const app = await build(t)
  const a = await issueKey(app, { name: 'a' })
  // a time strictly between the two records (they are stamped to the millisecond)
  await sleep(5)
  const between = new Date().toISOString()
  await sleep(5)
  const b = await issueKey(app, { name: 'b' })
  await adminCall(app, { method: 'POST', url: `${KEYS}/${a.id}/revoke` })

  t.same((await auditLog(app, '?action=access_key.created')).map((e) => e.targetId), [b.id, a.id])
  t.same((await auditLog(app, `?targetId=${a.id}`)).map((e) => e.action), ['access_key.revoked', 'access_key.created'])
  t.same((await auditLog(app, `?until=${encodeURIComponent(between)}`)).map((e) => e.targetId), [a.id])
  t.same((await auditLog(app, `?since=${encodeURIComponent(between)}`)).map((e) => e.action), ['access_key.revoked', 'access_key.created'])
  t.same((await auditLog(app, '?limit=1&offset=1')).map((e) => e.targetId), [b.id])

  const bad = await adminCall(app, { url: '/api/admin/audit?since=yesterday' })
  t.equal(bad.statusCode, 400)
  t.match(bad.json().message, /^querystring\/since /)
})

test('a service token acting as admin is recorded as jwt:<sub>', async (t) => {
  const secret = 'audit-jwt-secret-0123456789abcdefghijklmnop'
  const app = await build(t, { JWT_SECRET: secret, JWT_ALLOW_ADMIN: 'true' })
  const token = createSigner({ key: secret, expiresIn: 60_000 })({ sub: 'ops-bot', scope: 'admin' })
  const res = await app.inject({ method: 'POST', url: KEYS, headers: bearer(token), payload: { name: 'from a service' } })
  t.equal(res.statusCode, 201)
  t.match(await auditLog(app), [{ actor: 'jwt:ops-bot', action: 'access_key.created', targetId: res.json().id }])
})

test('the client IP comes from X-Forwarded-For only behind a trusted proxy', async (t) => {
  const forwarded = { 'x-forwarded-for': '203.0.113.9' }
  const direct = await build(t)
  await adminCall(direct, { method: 'POST', url: KEYS, payload: { name: 'x' }, headers: forwarded })
  t.equal((await auditLog(direct))[0]?.ip, '127.0.0.1', 'a spoofed header is ignored')

  const proxied = await build(t, { TRUST_PROXY: 'true' })
  await adminCall(proxied, { method: 'POST', url: KEYS, payload: { name: 'x' }, headers: forwarded })
  t.equal((await auditLog(proxied))[0]?.ip, '203.0.113.9')
})
