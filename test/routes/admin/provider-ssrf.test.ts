import { lookup } from 'node:dns/promises'
import { test } from 'tap'
import type { ResolveHost } from '#upstream/address-guard.js'
import { openAIMock } from '../../helpers/mock-openai.js'
import { sendJson, startMock } from '../../helpers/mock-server.js'
import { needs, postgresEnv, serviceUrl } from '../../helpers/services.js'
import type { TestContext } from '../../helpers/build.js'
import { storeGateway, usedSecret } from '../../helpers/store-gateway.js'

/*
 * Issue #21: an admin key pointed a store provider at http://127.0.0.1:… (or the cloud metadata address) and
 * "tested" it, which sent the stored credential there and relayed the internal service's answer.
 */

const SECRET = 'sk-store-credential-never-leaves-0123456789'
const INTERNAL = 'internal-only: db_password=hunter2-prod'
const PUBLIC: Array<{ address: string, family: number }> = [{ address: '93.184.216.34', family: 4 }]

/** api.example.test is public; every other name resolves as the system does (localhost: loopback). */
const resolver: ResolveHost = async (host) => host === 'api.example.test' ? PUBLIC : await lookup(host, { all: true })

const stores: Array<[string, { skip: string | false }, (t: TestContext) => Record<string, string>]> = [
  ['SQLite', { skip: false }, () => ({})],
  ['Postgres', needs('TEST_DATABASE_URL', 'Postgres'), (t) => postgresEnv(t, serviceUrl('TEST_DATABASE_URL'))]
]

for (const [store, options, storeEnv] of stores) {
  test(`${store}: a base URL at a loopback, link-local or private address is refused on create and on change, and nothing is sent there`, options, async (t) => {
    const gw = await storeGateway(t, { ...storeEnv(t), PROVIDER_ALLOWED_HOSTS: '' }, resolver)
    const port = new URL(gw.mock.url).port
    gw.mock.respond((_req, res) => { res.writeHead(500, { 'content-type': 'text/plain' }).end(INTERNAL) })
    t.equal((await gw.admin('POST', '/api/admin/providers', { id: 'acme', kind: 'openai-compatible', baseUrl: 'https://api.example.test/v1' })).statusCode, 201)
    t.equal((await gw.admin('POST', '/api/admin/providers/acme/credentials', { secret: SECRET })).statusCode, 201)
    const refused = [
      `http://127.0.0.1:${port}/v1`, 'http://169.254.169.254/latest', `http://[::1]:${port}/v1`, `http://[::ffff:127.0.0.1]:${port}/v1`,
      `http://2130706433:${port}/v1`, `http://0x7f000001:${port}/v1`, `http://localhost:${port}/v1`, `http://0.0.0.0:${port}/v1`,
      'http://10.0.0.5/v1', 'http://100.64.0.1/v1', 'http://[fd00::1]/v1', 'http://[fe80::1]/v1'
    ]
    for (const baseUrl of refused) {
      const patched = await gw.admin('PATCH', '/api/admin/providers/acme', { baseUrl })
      t.equal(patched.statusCode, 400, `PATCH ${baseUrl}`)
      t.match(patched.json(), { error: 'Bad Request', message: /^baseUrl host \S+ is not a public address .*PROVIDER_ALLOWED_HOSTS/ })
      const created = await gw.admin('POST', '/api/admin/providers', { id: 'other', kind: 'openai-compatible', baseUrl })
      t.equal(created.statusCode, 400, `POST ${baseUrl}`)
    }
    const userinfo = await gw.admin('PATCH', '/api/admin/providers/acme', { baseUrl: 'https://admin:s3cr3t-pw@api.example.test/v1' })
    t.equal(userinfo.statusCode, 400)
    t.notOk(userinfo.body.includes('s3cr3t-pw'), 'the password in the URL is not echoed')

    t.match((await gw.admin('GET', '/api/admin/providers/acme')).json(), { baseUrl: 'https://api.example.test/v1', credentials: 1 }, 'unchanged')
    t.equal((await gw.admin('GET', '/api/admin/providers/other')).statusCode, 404, 'never created')
    t.equal(gw.mock.requests.length, 0, 'the internal service received nothing')
  })

  test(`${store}: DNS rebinding: a host that passed at save but resolves to loopback at connect gets neither the call nor the credential`, options, async (t) => {
    let saved = false
    // "localhost" answers a public address once (the save-time check), then the truth: loopback, where the mock listens
    const rebinding: ResolveHost = async (host) => {
      if (host === 'localhost' && !saved) { saved = true; return PUBLIC }
      return await lookup(host, { all: true })
    }
    const gw = await storeGateway(t, { ...storeEnv(t), PROVIDER_ALLOWED_HOSTS: '' }, rebinding)
    gw.mock.respond(openAIMock.answer({ content: 'stolen' }))
    const baseUrl = `http://localhost:${new URL(gw.mock.url).port}/v1`
    const created = await gw.admin('POST', '/api/admin/providers', { id: 'acme', kind: 'openai-compatible', baseUrl, models: ['gpt-4o-mini'] })
    t.equal(created.statusCode, 201)
    t.equal((await gw.admin('POST', '/api/admin/providers/acme/credentials', { secret: SECRET })).statusCode, 201)

    const chat = await gw.chat('acme/gpt-4o-mini')
    t.equal(chat.statusCode, 502)
    t.match(chat.json().message, /Refused to connect to provider acme: its host resolves to an address that is not public/)
    const tested = await gw.admin('POST', '/api/admin/providers/acme/test')
    t.match(tested.json(), { ok: false, status: null, message: /^Refused to connect to provider acme/ })
    t.equal(gw.mock.requests.length, 0, 'the loopback mock received no request')
    t.notOk(gw.logs().includes(SECRET), 'the credential is not logged')
  })
}

for (const [store, options, storeEnv] of stores) {
  test(`${store}: PROVIDER_ALLOWED_HOSTS admits loopback names, addresses and ranges`, options, async (t) => {
    const gw = await storeGateway(t, { ...storeEnv(t), PROVIDER_ALLOWED_HOSTS: 'localhost,127.0.0.1,::1,10.0.0.0/8' }, resolver)
    const port = new URL(gw.mock.url).port
    for (const [i, baseUrl] of [`http://localhost:${port}/v1`, `http://[::1]:${port}/v1`, 'http://10.20.30.40:11434/v1', gw.mock.url].entries()) {
      t.equal((await gw.admin('POST', '/api/admin/providers', { id: `p${i}`, kind: 'openai-compatible', baseUrl })).statusCode, 201, baseUrl)
    }
    t.equal((await gw.admin('POST', '/api/admin/providers', { id: 'meta', kind: 'openai-compatible', baseUrl: 'http://169.254.169.254/' })).statusCode, 400, 'not listed')
    await gw.admin('POST', '/api/admin/providers/p3/credentials', { secret: SECRET })
    gw.mock.respond((_req, res) => { sendJson(res, 200, { object: 'list', data: [] }) })
    t.match((await gw.admin('POST', '/api/admin/providers/p3/test')).json(), { ok: true, status: 200 })
    t.equal(usedSecret(gw.mock.requests[0]?.headers ?? {}), SECRET, 'an allowed host gets the credential')
  })

  test(`${store}: moving a provider to another origin deletes its credentials; another path on the same origin keeps them`, options, async (t) => {
    const gw = await storeGateway(t, storeEnv(t))
    const other = await startMock(t, '/v1')
    await gw.addProvider('acme', [{ secret: SECRET }])
    const samePath = await gw.admin('PATCH', '/api/admin/providers/acme', { baseUrl: `${gw.mock.url}/` })
    t.equal(samePath.json().credentials, 1, 'same origin: kept')

    const moved = await gw.admin('PATCH', '/api/admin/providers/acme', { baseUrl: other.url })
    t.equal(moved.statusCode, 200)
    t.match(moved.json(), { baseUrl: other.url, credentials: 0 })
    t.same((await gw.admin('GET', '/api/admin/providers/acme/credentials')).json().items, [])
    other.respond((_req, res) => { sendJson(res, 200, { object: 'list', data: [] }) }, openAIMock.answer({ content: 'hi' }))
    t.match((await gw.admin('POST', '/api/admin/providers/acme/test')).json(), { ok: true, status: 200 })
    t.equal((await gw.chat('acme/gpt-4o-mini')).statusCode, 200)
    t.same(other.requests.map((r) => usedSecret(r.headers)), ['', ''], 'the new origin never got the old credential')
    t.notOk(gw.logs().includes(SECRET))
  })

  test(`${store}: the connection test refuses a disabled provider, and reports only status and latency of an internal service`, options, async (t) => {
    const gw = await storeGateway(t, storeEnv(t))
    await gw.addProvider('acme', [{ secret: SECRET }])
    await gw.admin('POST', '/api/admin/providers/acme/disable')
    const disabled = await gw.admin('POST', '/api/admin/providers/acme/test')
    t.equal(disabled.statusCode, 409)
    t.same(disabled.json(), { error: 'Conflict', message: 'Provider acme is disabled; enable it before testing its connection.' })
    t.equal(gw.mock.requests.length, 0, 'nothing was sent')

    await gw.admin('POST', '/api/admin/providers/acme/enable')
    gw.mock.respond(
      (_req, res) => { res.writeHead(500, { 'content-type': 'text/plain' }).end(INTERNAL) },
      (_req, res) => { sendJson(res, 200, { error: INTERNAL }) },
      (_req, res) => { res.writeHead(200, { 'content-type': 'text/html' }).end(`<p>${INTERNAL}</p>`) }
    )
    const outcomes = []
    for (let i = 0; i < 3; i++) outcomes.push(await gw.admin('POST', '/api/admin/providers/acme/test'))
    t.same(outcomes.map((r) => [r.json().ok, r.json().status, r.json().message]), [
      [false, 500, 'Provider acme answered 500.'],
      [true, 200, 'Provider acme answered 200.'],
      [false, 200, 'Provider acme answered 200, but not with JSON: check the base URL.']
    ])
    for (const r of outcomes) t.type(r.json().latencyMs, 'number')
    const audit = (await gw.admin('GET', '/api/admin/audit?targetId=acme')).body
    for (const body of [...outcomes.map((r) => r.body), audit]) t.notOk(body.includes('db_password') || body.includes('internal-only'), 'no upstream body')
  })

  test(`${store}: the connection test reads a few KB of an endless answer and hangs up`, options, async (t) => {
    const gw = await storeGateway(t, storeEnv(t))
    await gw.addProvider('acme', [])
    const piece = Buffer.alloc(64 * 1024, 'x')
    gw.mock.respond((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.write(piece) // and never ends: only the gateway hanging up closes it
    })
    const tested = await gw.admin('POST', '/api/admin/providers/acme/test')
    t.match(tested.json(), { ok: true, status: 200 })
    await gw.mock.abandoned()
  })
}
