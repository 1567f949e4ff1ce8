import { createHash, randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import SQLite from 'better-sqlite3'
import Fastify from 'fastify'
import { Kysely, SqliteDialect } from 'kysely'
import { Pool } from 'undici'
import { up } from '#store/migrations/003-usage.js'
import { TOKEN_DETAIL_COLUMNS } from '#store/migrations/014-cost-detail.js'
import { MEDIA_USAGE_COLUMNS } from '#store/migrations/017-media-usage.js'
import type { Database, UsageRecordsTable } from '#store/schema.js'
import { sqliteUsageInsert, type UsageRowValues } from '#store/usage.js'

/**
 * The second reference: the bare proxy plus only the three things the benchmark's targets name, each done the
 * plainest way — the bearer's SHA-256 looked up in a Map, the chat body checked by a Fastify (Ajv) schema and
 * re-serialized with the upstream model, and one usage row per call (counts read from the parsed answer) written
 * to SQLite in batches of 50 through Hubgate's own table, indexes and insert. No journal, limits, budgets,
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
// Hubgate's own usage table, indexes and batched insert (store/usage.ts), so the floor meters exactly as Hubgate does
await up(new Kysely<Database>({ dialect: new SqliteDialect({ database: db }) }))
// …with the columns later migrations added to it (those migrations also alter tables the floor has not): token
// parts (014), media seconds and characters (017), the calling app (016) — in the order the insert binds them
for (const column of [...TOKEN_DETAIL_COLUMNS, ...MEDIA_USAGE_COLUMNS]) db.exec(`alter table usage_records add column ${column} ${column === 'seconds' ? 'real' : 'integer'} not null default 0`)
db.exec("alter table usage_records add column app text not null default ''")
const insertAll = sqliteUsageInsert(db)
let pending: UsageRecordsTable[] = []

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
  // properties in the table's column order: the insert binds them by position
  pending.push({
    id: randomUUID(), request_id: request.id, at: new Date().toISOString(), key_id: keyId, model: request.body.model,
    provider: 'openai', upstream_model: request.body.model, prompt_tokens: usage.prompt_tokens ?? 0,
    completion_tokens: usage.completion_tokens ?? 0, total_tokens: usage.total_tokens ?? 0, credits: 0, priced: 1,
    status: statusCode, latency_ms: Math.round(performance.now() - started), ttfb_ms: 0, streamed: 0, client_aborted: 0, error: null,
    cached_tokens: 0, cache_write_tokens: 0, cache_write_1h_tokens: 0, reasoning_tokens: 0, audio_input_tokens: 0, audio_output_tokens: 0, seconds: 0, characters: 0, app: ''
  })
  if (pending.length >= 50) {
    insertAll(pending.map((row) => Object.values(row) as UsageRowValues))
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
