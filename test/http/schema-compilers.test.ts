import { test } from 'tap'
import Fastify, { type RouteOptions } from 'fastify'
import hubgate, { serverOptions } from '#app.js'
import { loadConfig } from '#config.js'
import { lazySharedSerializers, lazyValidators } from '#http/schema-compilers.js'
import { ADMIN_KEY, tempDir } from '../helpers/build.js'

type Schemas = Record<string, unknown>

// schemas compile on first use, so a schema Ajv, TypeBox or fast-json-stringify rejects would surface only when a
// request needs it. Build the whole gateway with Fastify's own eager compilers instead (ready() compiles every
// route's schemas with the compiler Fastify picks for it), and compile the TypeBox-checked ones too.
test('every schema of every route compiles', async (t) => {
  const config = loadConfig({ DATA_DIR: tempDir(t), LOG_LEVEL: 'silent', ADMIN_KEY, MAX_EVENT_LOOP_DELAY_MS: '0', BUILTIN_PRICES: 'false' })
  const app = Fastify({ ...serverOptions(config), schemaController: {} })
  const routes: RouteOptions[] = []
  app.addHook('onRoute', (route) => { routes.push(route) })
  await app.register(hubgate, { config })
  await t.resolves(async () => { await app.ready() }, 'Ajv and fast-json-stringify compile every params, querystring, body and response schema')
  t.teardown(async () => { await app.close() })
  t.ok(routes.length > 100, `${routes.length} routes`)

  const failures: string[] = []
  const checked = routes.filter((route) => route.validatorCompiler !== undefined)
  for (const route of checked) {
    for (const part of ['params', 'querystring', 'body']) {
      const schema = (route.schema as Schemas | undefined)?.[part]
      try {
        if (schema !== undefined) route.validatorCompiler?.({ schema: schema as object, method: String(route.method), url: route.url, httpPart: part })?.({})
      } catch (err) {
        failures.push(`${String(route.method)} ${route.url} ${part}: ${(err as Error).message}`)
      }
    }
  }
  t.ok(checked.length > 20, `${checked.length} routes validate with TypeBox`)
  t.same(failures, [], 'TypeBox compiles each of them')
})

test('a response schema shared by many routes compiles once, on its first answer', async (t) => {
  const factory = lazySharedSerializers()
  const error = { type: 'object', properties: { error: { type: 'string' }, message: { type: 'string' } } }
  const first = factory({}, {})({ schema: error, method: 'GET', url: '/a', httpStatus: '400' })
  const again = factory({}, {})({ schema: error, method: 'POST', url: '/b', httpStatus: '404' })
  t.equal(again, first, 'another route and status with the same schema object get the same serializer')
  t.equal(first({ error: 'Bad Request', message: 'no', secret: 'dropped' }), '{"error":"Bad Request","message":"no"}', 'serializes as fast-json-stringify does')
  const broken = factory({}, {})({ schema: { type: 'object', properties: { a: { $ref: '#/nowhere' } } }, method: 'GET', url: '/c', httpStatus: '200' })
  t.throws(() => broken({ a: 1 }), 'a broken schema fails when first used, not at start-up')
})

test('lazily compiled params and querystring validators validate and coerce as Fastify\'s own', async (t) => {
  const app = Fastify({ schemaController: { compilersFactory: { buildValidator: lazyValidators() } } })
  app.get('/items/:id', {
    schema: {
      params: { type: 'object', properties: { id: { type: 'integer' } }, required: ['id'] },
      querystring: { type: 'object', properties: { limit: { type: 'integer', maximum: 10 } }, additionalProperties: false }
    }
  }, async (request) => ({ params: request.params, query: request.query }))
  t.teardown(async () => { await app.close() })

  const ok = await app.inject({ url: '/items/7?limit=3' })
  t.equal(ok.statusCode, 200)
  t.same(ok.json(), { params: { id: 7 }, query: { limit: 3 } }, 'strings coerced to integers, as Ajv does')
  const bad = await app.inject({ url: '/items/7?limit=99' })
  t.equal(bad.statusCode, 400)
  t.match(bad.json().message, /querystring\/limit must be <= 10/, 'Ajv\'s errors reach the error handler')
  const badParam = await app.inject({ url: '/items/seven' })
  t.equal(badParam.statusCode, 400)
  t.match(badParam.json().message, /params\/id must be integer/)
})
