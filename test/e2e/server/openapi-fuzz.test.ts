import { test, type Test } from 'tap'
import type { FastifyInstance } from 'fastify'
import { ADMIN_KEY, bearer, build, issueKey } from '../../helpers/build.js'
import { needs, postgresEnv, serviceUrl } from '../../helpers/services.js'

/*
 * Every operation the OpenAPI document lists, called with an admin key (it holds every scope) and hostile input:
 * each body field set to values of the wrong type, size or content, odd path ids, odd query values. Whatever the
 * route, the answer is a 4xx or a 2xx, never a 5xx: on SQLite, and on Postgres, which refuses more (NUL in text,
 * integers beyond its column types) and would otherwise fail deep in a query. Each field also gets the edges its
 * schema allows (maximum, minimum, maxLength): valid input the store must be able to hold.
 */

const HOSTILE: unknown[] = [null, -1, 0, 1e308, '', 'x'.repeat(5000), true, [], {}, [null], { a: { b: { c: 1 } } }, 'null', '2026-13-45T99:99:99Z', 'nul\u0000byte', '../../etc/passwd', '\ud83d\ude00']
const ODD_IDS = ['nope', 'x'.repeat(300), '%00', 'a%2Fb', '..', '%F0%9F%98%80']

interface FieldSchema { maximum?: number, minimum?: number, maxLength?: number }
interface Operation { parameters?: Array<{ in: string, name: string }>, requestBody?: { content?: Record<string, { schema?: { properties?: Record<string, FieldSchema> } }> } }

/** The edges a field's schema allows: valid input the store must be able to hold (a Postgres int4 column, say). */
function edges (schema: FieldSchema): unknown[] {
  return [schema.maximum, schema.minimum, schema.maxLength === undefined ? undefined : 'x'.repeat(schema.maxLength)].filter((v) => v !== undefined)
}

async function assertNo5xx (t: Test, app: FastifyInstance): Promise<void> {
  const { id } = await issueKey(app, { name: 'target' })
  const spec = (await app.inject({ url: '/docs/json' })).json<{ paths: Record<string, Record<string, Operation>> }>()
  const failures: string[] = []
  let sent = 0
  for (const [path, operations] of Object.entries(spec.paths)) {
    for (const [method, operation] of Object.entries(operations)) {
      const properties = operation.requestBody?.content?.['application/json']?.schema?.properties ?? {}
      const fields = Object.keys(properties)
      const queries = (operation.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name)
      const bodies: unknown[] = [undefined, null, [], 'text', {}, ...fields.flatMap((field) => [...HOSTILE, ...edges(properties[field]!)].map((value) => ({ [field]: value })))]
      const queryStrings = ['', ...queries.flatMap((name) => HOSTILE.filter((v) => typeof v !== 'object').map((v) => `?${name}=${encodeURIComponent(String(v))}`))]
      for (const target of [id, ...ODD_IDS]) {
        const url = path.replace(/\{[^}]+\}/g, target)
        // the full battery at a real id; at odd ids, what reaches the lookup is what matters
        const cases = target === id ? [...bodies.map((body) => ({ body, query: '' })), ...queryStrings.map((query) => ({ body: undefined, query }))] : [{ body: undefined, query: '' }, { body: {}, query: '' }]
        for (const { body, query } of cases) {
          const res = await app.inject({
            method: method.toUpperCase() as 'GET',
            url: url + query,
            headers: { ...bearer(ADMIN_KEY), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
            ...(body !== undefined ? { payload: JSON.stringify(body) } : {})
          })
          sent++
          if (res.statusCode >= 500) failures.push(`${method.toUpperCase()} ${url}${query} ${JSON.stringify(body)?.slice(0, 60) ?? ''} -> ${res.statusCode}`)
        }
      }
    }
  }
  t.ok(sent > 1000, `${sent} hostile requests sent`)
  t.same(failures, [], 'no 5xx answer')
}

test('hostile input on every documented operation (SQLite): never a 5xx', async (t) => {
  await assertNo5xx(t, await build(t))
})

test('hostile input on every documented operation (Postgres): never a 5xx', needs('TEST_DATABASE_URL', 'Postgres'), async (t) => {
  await assertNo5xx(t, await build(t, postgresEnv(t, serviceUrl('TEST_DATABASE_URL'))))
})
