import { test, type Test } from 'tap'
import { sql } from 'kysely'
import type { FastifyInstance } from 'fastify'
import { adminCall, build } from '../../helpers/build.js'
import { openAIMock } from '../../helpers/mock-openai.js'
import { needs, postgresEnv, serviceUrl } from '../../helpers/services.js'
import { storeGateway, usedSecret } from '../../helpers/store-gateway.js'

const AUDIT_DOWN = { error: 'Service Unavailable', message: 'The audit log cannot be written right now, so the change was not made; try again shortly.' }
const SECRET = 'sk-store-provider-secret-abcdefgh1234'
const NEW_SECRET = 'sk-unaudited-secret-000000009999'

type Env = (t: Test) => Record<string, string>
const sqlite: Env = () => ({})
const postgres: Env = (t) => postgresEnv(t, serviceUrl('TEST_DATABASE_URL'))

type Attempt = [method: 'POST' | 'PATCH' | 'DELETE', url: string, payload?: Record<string, unknown>]

async function dropAuditLog (app: FastifyInstance): Promise<void> {
  await sql`drop table audit_log`.execute(app.store.db)
}

async function expectRefused (t: Test, call: (...attempt: Attempt) => Promise<{ statusCode: number, json: () => unknown }>, attempts: Attempt[]): Promise<void> {
  for (const attempt of attempts) {
    const res = await call(...attempt)
    t.equal(res.statusCode, 503, `${attempt[0]} ${attempt[1]}`)
    t.same(res.json(), AUDIT_DOWN)
  }
}

/** Every provider and credential change answers 503 and changes neither the store nor what calls reach. */
async function noUnauditedProviderChange (t: Test, env: Env): Promise<void> {
  const { app, admin, addProvider, mock, chat } = await storeGateway(t, env(t))
  const [credentialId] = await addProvider('acme', [{ secret: SECRET }])
  await addProvider('idle', [])
  t.equal((await admin('POST', '/api/admin/providers/idle/disable')).statusCode, 200)
  const providersBefore = (await admin('GET', '/api/admin/providers')).json()
  const credentialsBefore = (await admin('GET', '/api/admin/providers/acme/credentials')).json()

  await dropAuditLog(app)
  const credential = `/api/admin/providers/acme/credentials/${credentialId as string}`
  await expectRefused(t, admin, [
    ['POST', '/api/admin/providers', { id: 'newco', kind: 'openai-compatible', baseUrl: mock.url, models: ['gpt-4o-mini'] }],
    ['PATCH', '/api/admin/providers/acme', { displayName: 'Changed', models: ['other'] }],
    ['PATCH', '/api/admin/providers/acme', { baseUrl: 'http://127.0.0.1:9/v1' }],
    ['POST', '/api/admin/providers/acme/disable'],
    ['POST', '/api/admin/providers/idle/enable'],
    ['POST', '/api/admin/providers/acme/credentials', { secret: NEW_SECRET, weight: 100 }],
    ['PATCH', credential, { secret: NEW_SECRET, label: 'changed' }],
    ['PATCH', credential, { enabled: false }],
    ['DELETE', credential],
    ['DELETE', '/api/admin/providers/acme']
  ])

  t.same((await admin('GET', '/api/admin/providers')).json(), providersBefore, 'the store has the providers as they were')
  t.same((await admin('GET', '/api/admin/providers/acme/credentials')).json(), credentialsBefore, 'and the credentials')
  t.equal(app.providers.registry.get('newco'), undefined, 'the new provider serves nothing')
  t.equal(app.providers.registry.get('idle'), undefined, 'the disabled one stays disabled')
  mock.respond(openAIMock.answer({ content: 'still acme' }))
  const answer = await chat('acme/gpt-4o-mini')
  t.equal(answer.statusCode, 200, 'the provider not deleted nor disabled still serves')
  t.equal(answer.json().choices[0].message.content, 'still acme', 'at its old base URL')
  t.equal(usedSecret(mock.requests.at(-1)?.headers ?? {}), SECRET, 'with its old credential, not the new one')
}

/** Every catalog change answers 503 and changes neither the store nor the catalog calls are priced with. */
async function noUnauditedModelChange (t: Test, env: Env): Promise<void> {
  const app = await build(t, env(t))
  const model = { id: 'openai/gpt-4o', inputRate: 1, outputRate: 2, fallbacks: ['openai/gpt-4o-mini'] }
  t.equal((await adminCall(app, { method: 'POST', url: '/api/admin/models', payload: model })).statusCode, 201)
  const catalogBefore = (await adminCall(app, { url: '/api/admin/models' })).json()
  const publicBefore = (await app.inject({ url: '/api/ai/models' })).json()

  await dropAuditLog(app)
  const call = async (...[method, url, payload]: Attempt): Promise<{ statusCode: number, json: () => unknown }> =>
    await adminCall(app, { method, url, ...(payload !== undefined ? { payload } : {}) })
  await expectRefused(t, call, [
    ['POST', '/api/admin/models', { id: 'openai/gpt-4o-mini', inputRate: 5, outputRate: 5 }],
    ['PATCH', '/api/admin/models/openai/gpt-4o', { inputRate: 100, enabled: false, fallbacks: [] }],
    ['DELETE', '/api/admin/models/openai/gpt-4o']
  ])

  t.same((await adminCall(app, { url: '/api/admin/models' })).json(), catalogBefore, 'the admin catalog is as it was')
  t.same((await app.store.models.list()).map((m) => m.id), ['openai/gpt-4o'], 'and so is the store')
  t.same((await app.inject({ url: '/api/ai/models' })).json(), publicBefore, 'the public model list too')
  t.match(app.catalog.price('openai/gpt-4o'), { inputRate: 1, outputRate: 2 }, 'calls are priced at the old rates')
  t.equal(app.catalog.get('openai/gpt-4o-mini'), undefined, 'the new model has no price')
}

for (const [name, env, guard] of [['SQLite', sqlite, {}], ['Postgres', postgres, needs('TEST_DATABASE_URL', 'Postgres')]] as const) {
  test(`a provider or credential change whose audit line cannot be written is not made: 503 (${name})`, guard, async (t) => { await noUnauditedProviderChange(t, env) })
  test(`a catalog change whose audit line cannot be written is not made: 503 (${name})`, guard, async (t) => { await noUnauditedModelChange(t, env) })
}
