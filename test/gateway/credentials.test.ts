import { setTimeout as sleep } from 'node:timers/promises'
import { test } from 'tap'
import type { FastifyBaseLogger } from 'fastify'
import { SecretBox, credentialBinding } from '#keys/secret-box.js'
import { CredentialPool } from '#gateway/credentials.js'
import type { ProviderConfig } from '#upstream/types.js'
import type { CredentialWithBaseUrl, ProviderRepository } from '#store/providers.js'
import { openAIMock } from '../helpers/mock-openai.js'
import { storeGateway, usedSecret } from '../helpers/store-gateway.js'

const box = new SecretBox(Buffer.from('credentials-test-server-secret-0123456789'))
const silent = { warn () {}, error () {}, info () {}, debug () {} } as unknown as FastifyBaseLogger
const provider: ProviderConfig = { id: 'acme', kind: 'openai-compatible', displayName: 'Acme', baseUrl: 'http://127.0.0.1:9/v1', models: ['*'], source: 'store' }

function stored (id: string, secret: string, weight: number): CredentialWithBaseUrl {
  const now = new Date(0).toISOString()
  return { id, providerId: 'acme', label: id, sealed: box.encrypt(secret, credentialBinding('acme', id)), hint: '…', weight, disabledReason: null, cooldownUntil: null, createdAt: now, updatedAt: now, providerBaseUrl: provider.baseUrl }
}

/** A pool over an in-memory repository, with its clock and random source under the test's control. */
async function poolOf (credentials: CredentialWithBaseUrl[], random: () => number, clock = { now: 1_000_000 }): Promise<{ pool: CredentialPool, saved: unknown[] }> {
  const saved: unknown[] = []
  const repo = {
    credentialsWithBaseUrl: async () => credentials,
    updateCredential: async (_p: string, id: string, patch: unknown) => { saved.push({ id, ...patch as object }); return undefined }
  } as unknown as ProviderRepository
  const pool = new CredentialPool(repo, box, silent, { random, now: () => clock.now })
  await pool.reload()
  return { pool, saved }
}

const usedKey = async (pool: CredentialPool): Promise<string> => await pool.withCredential(provider, async (p) => p.apiKey as string)
const upstreamError = (status: number, retryAfter?: string): Error => Object.assign(new Error(`upstream ${status}`), { upstreamStatus: status, retryAfter })

test('calls spread over credentials in proportion to their weights', async (t) => {
  let i = 0
  const { pool } = await poolOf([stored('a', 'key-a', 3), stored('b', 'key-b', 1)], () => (i++ % 400) / 400)
  const counts: Record<string, number> = {}
  for (let n = 0; n < 400; n++) {
    const key = await usedKey(pool)
    counts[key] = (counts[key] ?? 0) + 1
  }
  t.same(counts, { 'key-a': 300, 'key-b': 100 })
})

test('a provider without stored credentials (environment, keyless) runs unchanged', async (t) => {
  const { pool } = await poolOf([], Math.random)
  t.equal(await pool.withCredential({ ...provider, source: 'env', apiKey: 'env-key' }, async (p) => p.apiKey), 'env-key')
  t.equal(await pool.withCredential(provider, async (p) => p.apiKey), undefined)
})

test('401/403 disable a credential with the reason; 429 cools it down for Retry-After and it comes back by itself', async (t) => {
  const clock = { now: 1_000_000 }
  const { pool, saved } = await poolOf([stored('a', 'key-a', 1), stored('b', 'key-b', 1), stored('c', 'key-c', 1)], () => 0, clock)
  t.equal(await usedKey(pool), 'key-a')
  await t.rejects(pool.withCredential(provider, async () => { throw upstreamError(401) }))
  t.match(saved[0], { id: 'a', disabledReason: /^The provider answered 401 at / })
  t.equal(await usedKey(pool), 'key-b', 'the disabled one is skipped')

  await t.rejects(pool.withCredential(provider, async () => { throw upstreamError(429, '30') }))
  t.match(saved[1], { id: 'b', cooldownUntil: new Date(clock.now + 30_000).toISOString() })
  t.equal(await usedKey(pool), 'key-c')
  await t.rejects(pool.withCredential(provider, async () => { throw upstreamError(403) }))

  await t.rejects(usedKey(pool), { code: 'HUB_UPSTREAM_RATE_LIMITED', statusCode: 429, retryAfter: 30 }, 'every credential out: 429 until the earliest comes back')
  clock.now += 30_001
  t.equal(await usedKey(pool), 'key-b', 'the cooled-down credential is back')
  await t.rejects(pool.withCredential(provider, async () => { throw upstreamError(500) }))
  t.equal(saved.length, 3, 'a 5xx says nothing about the credential')
  await t.rejects(pool.withCredential(provider, async () => { throw upstreamError(401) }))
  await t.rejects(usedKey(pool), { code: 'HUB_UPSTREAM_AUTH', statusCode: 502, message: /no usable credential/ })
})

test('weights spread real chat calls over the credentials', async (t) => {
  const gw = await storeGateway(t)
  await gw.addProvider('acme', [{ secret: 'sk-heavy-credential-000001', weight: 3 }, { secret: 'sk-light-credential-000002', weight: 1 }])
  gw.mock.respond(openAIMock.answer({ content: 'ok' }))
  for (let n = 0; n < 60; n++) t.equal((await gw.chat('acme/gpt-4o-mini')).statusCode, 200)
  const heavy = gw.mock.requests.filter((r) => usedSecret(r.headers) === 'sk-heavy-credential-000001').length
  const light = gw.mock.requests.filter((r) => usedSecret(r.headers) === 'sk-light-credential-000002').length
  t.equal(heavy + light, 60)
  t.ok(light > 0, 'the light credential gets some calls')
  t.ok(heavy > light, `the heavier credential gets more (${heavy} vs ${light})`)
})

test('a credential the provider refuses (401) is disabled with the reason shown; the next request uses another', async (t) => {
  const gw = await storeGateway(t)
  const [bad] = await gw.addProvider('acme', [{ secret: 'sk-revoked-credential-0001', weight: 1000 }, { secret: 'sk-working-credential-0002', weight: 1 }])
  gw.mock.respond((req, res) => usedSecret(req.headers) === 'sk-revoked-credential-0001'
    ? openAIMock.error(401, 'Incorrect API key provided.')(req, res)
    : openAIMock.answer({ content: 'ok' })(req, res))
  let refused = 0
  while (refused === 0 && gw.mock.requests.length < 20) {
    const res = await gw.chat('acme/gpt-4o-mini')
    if (res.statusCode === 502) refused++
  }
  t.equal(refused, 1, 'one call met the revoked credential and failed with 502')
  const seen = gw.mock.requests.length
  for (let n = 0; n < 5; n++) t.equal((await gw.chat('acme/gpt-4o-mini')).statusCode, 200)
  t.same(gw.mock.requests.slice(seen).map((r) => usedSecret(r.headers)), Array(5).fill('sk-working-credential-0002'))
  const health = (await gw.admin('GET', '/api/admin/providers/acme/credentials')).json().items.find((c: { id: string }) => c.id === bad).health
  t.match(health, { state: 'disabled', reason: /^The provider answered 401 at .*refused the gateway's credentials/ })

  const back = await gw.admin('PATCH', `/api/admin/providers/acme/credentials/${bad as string}`, { enabled: true })
  t.same(back.json().health, { state: 'ok' }, 'an administrator puts it back')
  t.notOk(gw.logs().includes('sk-revoked-credential-0001'), 'the credential is not logged')
})

test('a credential answered 429 with Retry-After cools down, then comes back by itself', async (t) => {
  const gw = await storeGateway(t)
  const [id] = await gw.addProvider('acme', [{ secret: 'sk-limited-credential-0001' }])
  gw.mock.respond(openAIMock.error(429, 'Rate limit reached.', { 'retry-after': '1' }), openAIMock.answer({ content: 'recovered' }))
  t.equal((await gw.chat('acme/gpt-4o-mini')).statusCode, 429)
  const health = (await gw.admin('GET', '/api/admin/providers/acme/credentials')).json().items[0].health
  t.equal(health.state, 'cooling_down')
  t.ok(Date.parse(health.until) > Date.now(), 'until a time in the future')

  const waiting = await gw.chat('acme/gpt-4o-mini')
  t.equal(waiting.statusCode, 429)
  t.match(waiting.json().message, /Every credential of provider acme is rate-limited/)
  t.equal(gw.mock.requests.length, 1, 'the cooling credential is not sent upstream')

  await sleep(Math.max(0, Date.parse(health.until) - Date.now()) + 50)
  const res = await gw.chat('acme/gpt-4o-mini')
  t.equal(res.statusCode, 200)
  t.equal(res.json().choices[0].message.content, 'recovered')
  t.same((await gw.admin('GET', '/api/admin/providers/acme/credentials')).json().items.map((c: { id: string, health: unknown }) => [c.id, c.health]), [[id, { state: 'ok' }]])
})

test('credentials read for one origin are not sent to another (a replica that sees the moved URL before reloading them)', async (t) => {
  const { pool } = await poolOf([stored('a', 'key-a', 1)], Math.random)
  t.equal(await pool.withCredential({ ...provider, baseUrl: 'http://127.0.0.1:9/v2' }, async (p) => p.apiKey), 'key-a', 'same origin, other path: used')
  t.equal(await pool.withCredential({ ...provider, baseUrl: 'http://attacker.example/v1' }, async (p) => p.apiKey), undefined, 'another host: not sent')
  t.equal(await pool.withCredential({ ...provider, baseUrl: 'http://127.0.0.1:10/v1' }, async (p) => p.apiKey), undefined, 'another port: not sent')
  t.equal(pool.secretFor('acme', 'https://127.0.0.1:9/v1'), undefined, 'another scheme: not for the connection test either')
  t.equal(pool.secretFor('acme', provider.baseUrl)?.secret, 'key-a')
})
