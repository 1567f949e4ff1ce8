import { createServer, type IncomingMessage } from 'node:http'
import { once } from 'node:events'
import { test } from 'tap'
import { ADMIN_KEY, bearer, build, issueKey } from '../helpers/build.js'

/** A loopback OTLP/HTTP collector that keeps every JSON export it receives. */
async function collector (t: { teardown: (fn: () => unknown) => void }): Promise<{ url: string, bodies: string[] }> {
  const bodies: string[] = []
  const server = createServer((req: IncomingMessage, res) => {
    let body = ''
    req.setEncoding('utf8')
    req.on('data', (chunk: string) => { body += chunk })
    req.on('end', () => {
      if (req.url === '/v1/traces') bodies.push(body)
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}')
    })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.teardown(() => { server.close() })
  const { port } = server.address() as { port: number }
  return { url: `http://127.0.0.1:${port}`, bodies }
}

test('with an OTLP endpoint, request spans are exported with route and status but no secrets', async (t) => {
  const otlp = await collector(t)
  const app = await build(t, { OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url, OTEL_SERVICE_NAME: 'hubgate-test' })
  const issued = await issueKey(app, { name: 'traced' })
  const res = await app.inject({ url: '/api/admin/access-keys?limit=5', headers: bearer(ADMIN_KEY) })
  t.equal(res.statusCode, 200)
  await app.close() // flushes the batch processor

  const exported = otlp.bodies.join('\n')
  t.match(exported, /hubgate-test/, 'service name set')
  t.match(exported, /\/api\/admin\/access-keys/, 'route recorded')
  t.match(exported, /"http.response.status_code"/, 'status recorded')
  t.notMatch(exported, /limit=5/, 'no query strings')
  t.notMatch(exported, new RegExp(ADMIN_KEY), 'no admin key')
  t.notMatch(exported, new RegExp(issued.key), 'no issued secret')
  t.notMatch(exported, /authorization/i, 'no headers')
})

test('without an endpoint, tracing is off and the tracer is a no-op', async (t) => {
  const app = await build(t)
  const span = app.tracer.startSpan('noop')
  t.equal(span.isRecording(), false)
  span.end()
})
