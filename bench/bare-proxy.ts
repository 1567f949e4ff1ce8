import Fastify from 'fastify'
import { Pool } from 'undici'

/**
 * The reference floor: Fastify + an undici pool passing /api/v2/chat/completions straight through to the
 * upstream with no auth, validation or metering. Prints "LISTENING <port>" once ready.
 */
const upstream = process.env.UPSTREAM_URL ?? 'http://127.0.0.1:9'
const pool = new Pool(upstream, { connections: 256, pipelining: 1 })
const app = Fastify({ logger: false })
app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body, done) => { done(null, body) })

app.post('/api/v2/chat/completions', async (request, reply) => {
  const { statusCode, headers, body } = await pool.request({
    path: '/v1/chat/completions',
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: request.body as Buffer
  })
  const type = headers['content-type']
  reply.code(statusCode)
  if (typeof type === 'string') reply.header('content-type', type)
  return reply.send(body)
})

app.listen({ host: '127.0.0.1', port: Number(process.env.PORT ?? 0) }).then(() => {
  process.stdout.write(`LISTENING ${(app.server.address() as { port: number }).port}\n`)
}, (err: unknown) => { process.stderr.write(String(err) + '\n'); process.exit(1) })
// a clean exit on SIGTERM, so `--cpu-prof` can write its profile
process.once('SIGTERM', () => { void app.close().then(() => process.exit(0)) })
