import pg from 'pg'
import { test } from 'tap'
import type { FastifyInstance } from 'fastify'
import { openAIMock } from '../../helpers/mock-openai.js'
import { ADMIN_KEY, bearer, build, issueKey, type TestContext } from '../../helpers/build.js'
import { startRelay, type Relay } from '../../helpers/relay.js'
import { needs, postgresEnv, serviceUrl } from '../../helpers/services.js'
import { eventually, sleep } from '../../helpers/wait.js'
import { gatewayWithMock, type Gateway } from '../../helpers/gateway.js'
import { redisPrefix } from '../../helpers/redis.js'
import { openAIErrorLike } from '../../helpers/openai-error.js'

const MODEL = 'openai/gpt-4o-mini'
const body = { model: MODEL, max_tokens: 20, messages: [{ role: 'user', content: 'hi' }] }
const STORE_DOWN = { error: 'Service Unavailable', message: 'The gateway cannot reach its store right now; try again shortly.' }
// what a 5xx must never show: driver messages, addresses, SQL
const INTERNALS = /ECONNREFUSED|terminated|postgres|127\.0\.0\.1|5432|select|insert|kysely/i

interface Outage { gw: Gateway, relay: Relay, schema: string }

/** A gateway on its own Postgres schema reached through a relay the test can cut, with a priced model on a mock provider. */
async function gatewayOnRelayedPostgres (t: TestContext, env: Record<string, string> = {}): Promise<Outage> {
  const url = serviceUrl('TEST_DATABASE_URL')
  const relay = await startRelay(t, url)
  const pgEnv = postgresEnv(t, url)
  const gw = await gatewayWithMock(t, 'openai', { ...pgEnv, DATABASE_URL: relay.url, ...env })
  gw.mock.respond(openAIMock.answer({ content: 'ok' }))
  await gw.app.catalog.create({ id: MODEL, inputRate: 1, outputRate: 1 })
  return { gw, relay, schema: pgEnv.DATABASE_SCHEMA as string }
}

/**
 * Every key change, this replica's own included, reaches its key cache as a Postgres notification that empties it.
 * Waits until they have all been heard, so that keys authenticated next stay cached when the store goes away.
 */
async function keyChangesHeard (app: FastifyInstance): Promise<void> {
  await eventually(async () => {
    const version = app.store.keyChangeVersion()
    await sleep(250)
    return app.store.keyChangeVersion() === version
  })
}

async function chat (app: FastifyInstance, key: string): Promise<Awaited<ReturnType<FastifyInstance['inject']>>> {
  return await app.inject({ method: 'POST', url: '/api/v2/chat/completions', headers: bearer(key), payload: body })
}

/** What another replica's key change sends to every listener, sent past the relay. */
async function notifyKeyChange (schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: serviceUrl('TEST_DATABASE_URL') })
  await client.connect()
  try {
    await client.query("select pg_notify('hubgate_access_keys', $1)", [schema])
  } finally {
    await client.end()
  }
}

/** Usage rows of `keyId` in the database itself, read past the relay. */
async function usageRows (schema: string, keyId: string): Promise<number> {
  const client = new pg.Client({ connectionString: serviceUrl('TEST_DATABASE_URL') })
  await client.connect()
  try {
    const result = await client.query<{ n: number }>(`select count(*)::int as n from "${schema}".usage_records where key_id = $1`, [keyId])
    return result.rows[0]?.n ?? 0
  } finally {
    await client.end()
  }
}

test('Postgres outage: cached keys keep serving and their usage is written later; unknown keys, admin routes and readiness answer 503; all recover', needs('TEST_DATABASE_URL', 'Postgres'), async (t) => {
  const { gw: { app }, relay, schema } = await gatewayOnRelayedPostgres(t)
  const cached = await issueKey(app, { scopes: ['chat'] })
  const unknown = await issueKey(app, { scopes: ['chat'] })
  // without Redis a budget lives in the process, loaded from the store at the key's first call
  const budgetLoaded = await issueKey(app, { scopes: ['chat'], creditLimit: 100 })
  const budgetNotLoaded = await issueKey(app, { scopes: ['chat'], creditLimit: 100 })
  await keyChangesHeard(app)
  const admin = bearer(ADMIN_KEY)
  t.equal((await app.inject({ url: '/api/admin/access-keys', headers: admin })).statusCode, 200, 'the admin key is cached')
  t.equal((await chat(app, cached.key)).statusCode, 200, 'the key is cached')
  t.equal((await chat(app, budgetLoaded.key)).statusCode, 200, 'its spend is loaded')
  t.equal((await app.inject({ url: '/api/v2/models', headers: bearer(budgetNotLoaded.key) })).statusCode, 200, 'cached, spend not loaded')
  t.ok(await eventually(async () => await usageRows(schema, cached.id) === 1), 'usage is written while Postgres is up')

  relay.cut()

  t.equal((await chat(app, cached.key)).statusCode, 200, 'a cached key keeps chatting')
  t.equal((await chat(app, cached.key)).statusCode, 200)
  for (const key of [unknown.key, 'hgk_' + 'Q'.repeat(43)]) {
    const res = await chat(app, key)
    t.equal(res.statusCode, 503, 'fail closed: a key that is not cached cannot be checked')
    t.match(res.json(), openAIErrorLike(STORE_DOWN.message, 'api_error'))
  }
  t.equal((await chat(app, budgetLoaded.key)).statusCode, 200, 'a budget this process holds keeps working')
  const budgetRefused = await chat(app, budgetNotLoaded.key)
  t.equal(budgetRefused.statusCode, 503, 'a budget that must be loaded from the store fails closed')
  t.match(budgetRefused.json(), openAIErrorLike(STORE_DOWN.message, 'api_error'))
  const adminCalls = [
    { url: '/api/admin/access-keys' },
    { method: 'POST' as const, url: '/api/admin/access-keys', payload: { name: 'during the outage' } },
    { url: `/api/admin/access-keys/${cached.id}` },
    { url: '/api/admin/usage' },
    { url: '/api/admin/audit' },
    { url: '/api/admin/providers' },
    { method: 'POST' as const, url: '/api/admin/models', payload: { id: 'openai/gpt-4.1', inputRate: 2, outputRate: 8 } }
  ]
  for (const call of adminCalls) {
    const res = await app.inject({ ...call, headers: admin })
    t.equal(res.statusCode, 503, `${call.method ?? 'GET'} ${call.url} answers 503, not 500`)
    t.same(res.json(), STORE_DOWN)
    t.equal(res.headers['retry-after'], '1')
    t.notMatch(res.body, INTERNALS, 'nothing about the driver leaks')
  }
  t.equal((await app.inject({ url: '/api/admin/models', headers: admin })).statusCode, 200, 'the model catalog is read from memory')
  const ready = await app.inject({ url: '/health/ready' })
  t.equal(ready.statusCode, 503, 'not ready while the store is unreachable')
  t.same(ready.json(), { error: 'Service Unavailable', message: 'The store is not reachable.' })
  await sleep(1_500) // a flush interval or more: the usage writes fail and are kept
  t.equal(await usageRows(schema, cached.id), 1, 'the outage calls are not in the store yet')

  relay.restore()

  t.ok(await eventually(async () => (await app.inject({ url: '/health/ready' })).statusCode === 200, 10_000), 'ready again once Postgres is back')
  t.ok(await eventually(async () => await usageRows(schema, cached.id) === 3, 10_000), 'the buffered usage records are written once Postgres is back')
  t.equal((await chat(app, unknown.key)).statusCode, 200, 'unknown keys authenticate again, without a restart')
  t.equal((await app.inject({ url: '/api/admin/access-keys', headers: admin })).statusCode, 200, 'admin routes work again')
  const created = await app.inject({ method: 'POST', url: '/api/admin/access-keys', headers: admin, payload: { name: 'after the outage' } })
  t.equal(created.statusCode, 201)
  t.equal((await chat(app, created.json<{ key: string }>().key)).statusCode, 200, 'a key issued after the outage works')
})

test('Postgres that stops answering (a network dropped without a reset): 503 after DATABASE_QUERY_TIMEOUT_MS instead of a hung request; recovers', needs('TEST_DATABASE_URL', 'Postgres'), async (t) => {
  const { gw: { app }, relay, schema } = await gatewayOnRelayedPostgres(t, { DATABASE_QUERY_TIMEOUT_MS: '500' })
  const cached = await issueKey(app, { scopes: ['chat'] })
  await keyChangesHeard(app)
  const admin = bearer(ADMIN_KEY)
  t.equal((await app.inject({ url: '/api/admin/access-keys', headers: admin })).statusCode, 200)
  t.equal((await chat(app, cached.key)).statusCode, 200, 'the key is cached')

  relay.freeze()

  // without a query timeout these would wait forever: no reset ever arrives
  const hung = new Promise<'hung'>((resolve) => { setTimeout(() => resolve('hung'), 20_000).unref() })
  for (const call of [{ url: '/api/admin/access-keys' }, { url: '/api/admin/usage' }]) {
    const res = await Promise.race([app.inject({ ...call, headers: admin }), hung])
    if (res === 'hung') { t.fail(`${call.url} never answered`); continue }
    t.equal(res.statusCode, 503, `${call.url}: the store is reported unreachable`)
    t.same(res.json(), STORE_DOWN)
    t.notMatch(res.body, INTERNALS)
  }
  t.equal((await chat(app, cached.key)).statusCode, 200, 'a cached key keeps chatting meanwhile')

  relay.thaw()

  // each pooled connection that was frozen fails its next query once and is replaced, never reused
  t.ok(await eventually(async () => (await app.inject({ url: '/api/admin/access-keys', headers: admin })).statusCode === 200, 20_000), 'admin routes answer again')
  t.ok(await eventually(async () => await usageRows(schema, cached.id) === 2, 20_000), 'the usage of both calls reaches the store')
  t.equal((await app.inject({ url: '/health/ready' })).statusCode, 200, 'ready')
  // the key-change listener was frozen too: its heartbeat fails, it is replaced, and other replicas are heard again
  const heard = async (): Promise<boolean> => {
    const seen = app.store.keyChangeVersion()
    await notifyKeyChange(schema)
    return await eventually(async () => app.store.keyChangeVersion() > seen, 1_000)
  }
  t.ok(await eventually(heard, 30_000), 'a key change announced by another replica is heard again')
  for (let i = 0; i < 3; i++) t.ok(await heard(), 'and every one after it')
  // the partition ends in resets (TCP gives up on both sides), so closing the gateway does not wait on frozen sockets
  relay.cut()
})

test('shutting down while Postgres stops answering does not wait for goodbyes a dead network never sends', needs('TEST_DATABASE_URL', 'Postgres'), async (t) => {
  const { gw: { app }, relay } = await gatewayOnRelayedPostgres(t, { DATABASE_QUERY_TIMEOUT_MS: '500' })
  await keyChangesHeard(app)
  // several pooled connections, idle and open (and no usage left to write, which would meet the query timeout first)
  const listed = await Promise.all(Array.from({ length: 5 }, async () => await app.inject({ url: '/api/admin/access-keys', headers: bearer(ADMIN_KEY) })))
  t.same(listed.map((res) => res.statusCode), [200, 200, 200, 200, 200])

  relay.freeze()
  const began = Date.now()
  const outcome = await Promise.race([app.close().then(() => 'closed'), sleep(20_000).then(() => 'hung')])
  t.equal(outcome, 'closed', 'the gateway closes')
  // queries time out (DATABASE_QUERY_TIMEOUT_MS), the key-change listener gives up its goodbye after 3 s, and the
  // pool ends without waiting for its idle connections' goodbyes: the process then exits (close-with-grace)
  t.ok(Date.now() - began < 15_000, `within seconds, not at the process's last-resort deadline (${Date.now() - began} ms)`)
  relay.cut()
})

test('Postgres outage: a cached key works until its cache entry ages out (KEY_CACHE_TTL_MS), then needs the store', needs('TEST_DATABASE_URL', 'Postgres'), async (t) => {
  const { gw: { app }, relay } = await gatewayOnRelayedPostgres(t, { KEY_CACHE_TTL_MS: '1000' })
  const { key } = await issueKey(app, { scopes: ['chat'] })
  await keyChangesHeard(app)
  t.equal((await chat(app, key)).statusCode, 200)

  relay.cut()

  t.equal((await chat(app, key)).statusCode, 200, 'served from the cache')
  t.ok(await eventually(async () => (await chat(app, key)).statusCode === 503, 5_000), 'then it too answers 503')

  relay.restore()

  t.ok(await eventually(async () => (await chat(app, key)).statusCode === 200, 10_000), 'and works again once Postgres is back')
})

const postgresAndRedis = { skip: needs('TEST_DATABASE_URL', 'Postgres').skip || needs('TEST_REDIS_URL', 'Redis').skip }

test('Postgres outage with Redis: budgets work while their Redis account exists, 503 when it must be seeded; rate limits still enforced', postgresAndRedis, async (t) => {
  const redisUrl = serviceUrl('TEST_REDIS_URL')
  const { gw: { app }, relay } = await gatewayOnRelayedPostgres(t, { REDIS_URL: redisUrl, REDIS_KEY_PREFIX: redisPrefix(t, redisUrl) })
  const seeded = await issueKey(app, { scopes: ['chat'], creditLimit: 100 })
  const cold = await issueKey(app, { scopes: ['chat'], creditLimit: 100 })
  const limited = await issueKey(app, { scopes: ['chat'], rpm: 2 })
  const tokenLimited = await issueKey(app, { scopes: ['chat'], tpm: 1 })
  await keyChangesHeard(app)
  t.equal((await chat(app, seeded.key)).statusCode, 200, 'the first call seeds the budget account from the store')
  t.equal((await app.inject({ url: '/api/v2/models', headers: bearer(cold.key) })).statusCode, 200, 'cached, but no budget account yet')
  t.equal((await chat(app, limited.key)).statusCode, 200, '1 of 2 requests this minute')
  t.equal((await app.inject({ url: '/api/v2/models', headers: bearer(tokenLimited.key) })).statusCode, 200)

  relay.cut()

  t.equal((await chat(app, seeded.key)).statusCode, 200, 'a budget whose Redis account exists keeps working')
  const refused = await chat(app, cold.key)
  t.equal(refused.statusCode, 503, 'a budget that must be seeded from the store fails closed')
  t.match(refused.json(), openAIErrorLike('The gateway cannot check this key\'s credit budget right now; try again shortly.', 'api_error'))
  t.equal(refused.headers['retry-after'], '1')
  t.equal((await chat(app, limited.key)).statusCode, 200, '2 of 2')
  t.equal((await chat(app, limited.key)).statusCode, 429, 'requests per minute are still enforced (Redis)')
  const tokens = await chat(app, tokenLimited.key)
  t.equal(tokens.statusCode, 429, 'tokens per minute are still enforced (Redis)')
  t.match(tokens.json().message, /^Token rate limit of 1 tokens per minute/)

  relay.restore()

  t.ok(await eventually(async () => (await chat(app, cold.key)).statusCode === 200, 10_000), 'the budget is seeded once Postgres is back')
})

test('the OpenAPI document lists the store 503 on every route that needs a key', async (t) => {
  const app = await build(t)
  const doc = (await app.inject({ url: '/docs/json' })).json<{ paths: Record<string, Record<string, { security?: unknown[], responses: Record<string, unknown> }>> }>()
  const missing = Object.entries(doc.paths).flatMap(([path, methods]) => Object.entries(methods)
    .filter(([, op]) => (op.security?.length ?? 0) > 0 && op.responses['503'] === undefined)
    .map(([method]) => `${method.toUpperCase()} ${path}`))
  t.same(missing, [])
})
