import { test } from 'tap'
import Fastify, { type FastifyInstance } from 'fastify'
import hubgate, { serverOptions } from '#app.js'
import { loadConfig } from '#config.js'
import { StoreUnavailableError } from '#errors.js'
import { ADMIN_KEY, bearer, tempDir, type TestContext } from '../helpers/build.js'

const GENERIC_500 = { error: 'Internal Server Error', message: 'The gateway hit an internal error; it has been logged.' }

/** A gateway with public test routes that fail in the ways real handlers can. */
async function buildWithFailures (t: TestContext): Promise<FastifyInstance> {
  const config = loadConfig({ DATA_DIR: tempDir(t), LOG_LEVEL: 'silent', ADMIN_KEY, BODY_LIMIT: '2048' })
  const app = Fastify(serverOptions(config))
  await app.register(hubgate, { config, print: () => {} })
  const open = { config: { public: true } }
  app.get('/test/crash', open, async () => {
    throw new Error('connect ECONNREFUSED postgres://hubgate:pw@db:5432/hubgate at SELECT * FROM access_keys')
  })
  app.get('/test/type-error', open, async () => (undefined as unknown as { x: { y: number } }).x.y)
  app.get('/test/store-down', open, async () => { throw new StoreUnavailableError() })
  app.post('/test/typed', {
    ...open,
    schema: { body: { type: 'object', required: ['count'], properties: { count: { type: 'integer', minimum: 1 }, nested: { type: 'object', properties: { flag: { type: 'boolean' } } } } } }
  }, async () => ({ ok: true }))
  await app.ready()
  t.teardown(async () => { await app.close() })
  return app
}

test('unknown routes answer 404 in the error shape', async (t) => {
  const app = await buildWithFailures(t)
  const res = await app.inject({ url: '/no/such/page?secret=1' })
  t.equal(res.statusCode, 404)
  t.same(res.json(), { error: 'Not Found', message: 'Route GET /no/such/page not found' }, 'the query string is not echoed')
  const post = await app.inject({ method: 'DELETE', url: '/api/admin/access-keys', headers: bearer(ADMIN_KEY) })
  t.same(post.json(), { error: 'Not Found', message: 'Route DELETE /api/admin/access-keys not found' })
})

test('validation failures answer 400 naming the bad field', async (t) => {
  const app = await buildWithFailures(t)
  const cases: Array<[unknown, string]> = [
    [{}, "body must have required property 'count'"],
    [{ count: 'many' }, 'body/count must be integer'],
    [{ count: 0 }, 'body/count must be >= 1'],
    [{ count: 1, nested: { flag: 'maybe' } }, 'body/nested/flag must be boolean']
  ]
  for (const [payload, message] of cases) {
    const res = await app.inject({ method: 'POST', url: '/test/typed', payload: payload as Record<string, unknown> })
    t.equal(res.statusCode, 400)
    t.same(res.json(), { error: 'Bad Request', message })
  }
})

test('malformed requests answer a clear 4xx, not a 500', async (t) => {
  const app = await buildWithFailures(t)
  const badJson = await app.inject({ method: 'POST', url: '/test/typed', payload: '{"count":', headers: { 'content-type': 'application/json' } })
  t.same(badJson.json(), { error: 'Bad Request', message: "Body is not valid JSON but content-type is set to 'application/json'" })
  const poisoned = await app.inject({ method: 'POST', url: '/test/typed', payload: '{"count":1,"__proto__":{"admin":true}}', headers: { 'content-type': 'application/json' } })
  t.equal(poisoned.statusCode, 400)
  const wrongType = await app.inject({ method: 'POST', url: '/test/typed', payload: 'count=1', headers: { 'content-type': 'text/csv' } })
  t.equal(wrongType.statusCode, 415)
  t.equal(wrongType.json().error, 'Unsupported Media Type')
  const tooBig = await app.inject({ method: 'POST', url: '/test/typed', payload: { count: 1, pad: 'x'.repeat(4096) } })
  t.equal(tooBig.statusCode, 413)
  t.same(tooBig.json(), { error: 'Payload Too Large', message: 'Request body is too large' })
})

test('unexpected failures answer 500 without internals; our own 5xx keep their message', async (t) => {
  const app = await buildWithFailures(t)
  for (const url of ['/test/crash', '/test/type-error']) {
    const res = await app.inject({ url })
    t.equal(res.statusCode, 500, url)
    t.same(res.json(), GENERIC_500)
    t.notMatch(res.body, /postgres|SELECT|pw@|TypeError|at /)
  }
  const down = await app.inject({ url: '/test/store-down' })
  t.equal(down.statusCode, 503)
  t.same(down.json(), { error: 'Service Unavailable', message: 'The gateway cannot reach its store right now; try again shortly.' })
})
