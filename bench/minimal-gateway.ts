import { createHash, randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import SQLite from 'better-sqlite3'
import Fastify from 'fastify'
import { Pool } from 'undici'

/**
 * The second reference: the bare proxy plus only the three things the benchmark's targets name, each done the
 * plainest way — the bearer's SHA-256 looked up in a Map, the chat body checked by a Fastify (Ajv) schema and
 * re-serialized with the upstream model, and one usage row per call (counts read from the parsed answer) inserted
 * into SQLite in transactions of 50, into the same table and indexes as Hubgate's. No journal, limits, budgets,
 * fallbacks, retries, metrics, logs or admin. What it costs over the bare proxy is a floor for any gateway that
 * authenticates, validates and meters on this stack. JSON answers only; the one valid key is ACCESS_KEY. Prints
 * "LISTENING <port>" once ready.
 */

const upstream = process.env.UPSTREAM_URL ?? 'http://127.0.0.1:9'
const pool = new Pool(upstream, { connections: 256, pipelining: 1 })
const digest = (text: string): string => createHash('sha256').update(text).digest('hex')
const keys = new Map([[digest(process.env.ACCESS_KEY ?? ''), 'key_bench']])

// DATA_DIR (kept): where a test reads the rows back; otherwise a temporary directory removed at exit
const dataDir = process.env.DATA_DIR ?? mkdtempSync(join(tmpdir(), 'hubgate-bench-minimal-'))
const db = new SQLite(join(dataDir, 'usage.db'))
db.pragma('journal_mode = WAL')
db.pragma('synchronous = NORMAL')
db.pragma('cache_size = -2000')
// usage_records as store/migrations/003-usage.ts creates it
db.exec(`create table usage_records (id text primary key, request_id text not null, at text not null, key_id text not null,
  model text not null, provider text not null, upstream_model text not null, prompt_tokens integer not null,
  completion_tokens integer not null, total_tokens integer not null, credits double precision not null, priced integer not null,
  status integer not null, latency_ms integer not null, ttfb_ms integer not null, streamed integer not null,
  client_aborted integer not null, error text)`)
db.exec('create index usage_records_at_idx on usage_records (at)')
db.exec('create index usage_records_key_at_idx on usage_records (key_id, at)')
const insert = db.prepare(`insert into usage_records values (${Array(18).fill('?').join(', ')}) on conflict (id) do nothing`)
const insertAll = db.transaction((rows: unknown[][]) => { for (const row of rows) insert.run(row) })
let pending: unknown[][] = []

const chatBody = {
  type: 'object',
  required: ['model', 'messages'],
  properties: {
    model: { type: 'string', minLength: 1 },
    stream: { type: 'boolean' },
    messages: {
      type: 'array',
      minItems: 1,
      items: { type: 'object', required: ['role'], properties: { role: { type: 'string' }, content: { type: 'string' } } }
    }
  }
} as const

interface ChatBody { model: string, messages: unknown[] }
interface Answer { usage?: { prompt_tokens?: number, completion_tokens?: number, total_tokens?: number } }

const app = Fastify({ logger: false })
app.post<{ Body: ChatBody }>('/api/v2/chat/completions', { schema: { body: chatBody } }, async (request, reply) => {
  const keyId = keys.get(digest((request.headers.authorization ?? '').replace(/^Bearer /, '')))
  if (keyId === undefined) return reply.code(401).send({ error: 'Unauthorized', message: 'Authentication token is invalid or missing.' })
  const started = performance.now()
  const { statusCode, body } = await pool.request({
    path: '/v1/chat/completions',
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...request.body, model: request.body.model.replace(/^openai\//, ''), stream: false })
  })
  const text = await body.text()
  const usage = (JSON.parse(text) as Answer).usage ?? {}
  pending.push([randomUUID(), request.id, new Date().toISOString(), keyId, request.body.model, 'openai', request.body.model,
    usage.prompt_tokens ?? 0, usage.completion_tokens ?? 0, usage.total_tokens ?? 0, 0, 1, statusCode,
    Math.round(performance.now() - started), 0, 0, 0, null])
  if (pending.length >= 50) {
    insertAll(pending)
    pending = []
  }
  return reply.code(statusCode).header('content-type', 'application/json').send(text)
})

app.listen({ host: '127.0.0.1', port: Number(process.env.PORT ?? 0) }).then(() => {
  process.stdout.write(`LISTENING ${(app.server.address() as { port: number }).port}\n`)
}, (err: unknown) => { process.stderr.write(String(err) + '\n'); process.exit(1) })
process.once('SIGTERM', () => {
  void app.close().then(() => {
    db.close()
    if (process.env.DATA_DIR === undefined) rmSync(dataDir, { recursive: true, force: true })
    process.exit(0)
  })
})
