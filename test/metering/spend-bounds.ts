import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { adminCall, bearer, issueKey, type TestContext } from '../helpers/build.js'
import { byPath, openAIMediaMock } from '../helpers/mock-media.js'
import { openAIMock } from '../helpers/mock-openai.js'
import { sendJson, type MockHandler } from '../helpers/mock-server.js'
import { needs, postgresEnv, serviceUrl } from '../helpers/services.js'
import { eventually } from '../helpers/wait.js'
import { redisPrefix } from '../helpers/redis.js'
import { gatewayWithMock, type Gateway } from '../helpers/gateway.js'

/*
 * Shared by the spend-bound tests: a gateway on an OpenAI mock for chat, embeddings and images, on SQLite with
 * in-process ledgers or on Postgres with the Redis ledger and token window, and a burst of concurrent calls.
 */

export const PG_AND_REDIS = { skip: needs('TEST_DATABASE_URL', 'Postgres').skip || needs('TEST_REDIS_URL', 'Redis').skip }

export const STORES = [
  { name: 'SQLite', options: {}, env: (_t: TestContext): Record<string, string> => ({}) },
  {
    name: 'Postgres + Redis ledger',
    options: PG_AND_REDIS,
    env: (t: TestContext): Record<string, string> => ({
      ...postgresEnv(t, serviceUrl('TEST_DATABASE_URL')),
      REDIS_URL: serviceUrl('TEST_REDIS_URL'),
      REDIS_KEY_PREFIX: redisPrefix(t, serviceUrl('TEST_REDIS_URL'))
    })
  }
]

/** Chat answers that use every token they may: n × max_tokens completion tokens, 10 prompt tokens. */
export const chatUsingItsBound: MockHandler = async (req, res) => {
  const completion = (req.body?.n ?? 1) * (req.body?.max_tokens ?? 16)
  await openAIMock.answer({ content: 'ok', usage: { prompt_tokens: 10, completion_tokens: completion } })(req, res)
}

/** Embeddings counting one token per 4 input bytes, or (reportUsage false) reporting no usage at all. */
export function embeddingsMock (reportUsage: boolean): MockHandler {
  return (req, res) => sendJson(res, 200, {
    object: 'list',
    data: [{ object: 'embedding', index: 0, embedding: [0.1, 0.2] }],
    model: 'text-embedding-3-small',
    ...(reportUsage ? { usage: { prompt_tokens: Math.ceil(String(req.body?.input).length / 4), total_tokens: Math.ceil(String(req.body?.input).length / 4) } } : {})
  })
}

/** One mock for every kind: chat, embeddings (reporting usage or not), gpt-image (b64, usage) or dall-e (urls, none). */
export function mediaAndChat (options: { embeddingUsage?: boolean, imageUsage?: boolean } = {}): MockHandler {
  return byPath({
    '/chat/completions': chatUsingItsBound,
    '/embeddings': embeddingsMock(options.embeddingUsage ?? true),
    '/images/generations': openAIMediaMock.images(options.imageUsage === true ? { b64: 'aGVsbG8=' } : { url: 'https://images.example/1.png' })
  })
}

export async function spendGateway (t: TestContext, env: Record<string, string>, handler: MockHandler): Promise<Gateway> {
  const gw = await gatewayWithMock(t, 'openai', { USAGE_FLUSH_MS: '50', ...env })
  gw.mock.respond(handler)
  return gw
}

/** Adds `model` to the catalog with `rates`, through the admin API. */
export async function priced (app: FastifyInstance, model: string, rates: Record<string, unknown>): Promise<void> {
  const res = await adminCall(app, { method: 'POST', url: '/api/admin/models', payload: { id: model, ...rates } })
  if (res.statusCode !== 201) throw new Error(`pricing ${model} failed: ${res.statusCode} ${res.body}`)
}

export async function limitedKey (app: FastifyInstance, limits: Record<string, unknown>): Promise<{ id: string, key: string }> {
  const { id, key } = await issueKey(app, { scopes: ['chat', 'embeddings', 'images'], ...limits })
  return { id, key }
}

/** `count` calls at once with the same key and body. */
export async function burst (app: FastifyInstance, key: string, url: string, payload: Record<string, unknown>, count: number): Promise<LightMyRequestResponse[]> {
  return await Promise.all(Array.from({ length: count }, async () =>
    await app.inject({ method: 'POST', url, headers: bearer(key), payload })))
}

export interface KeyRecord { status: number, credits: number, totalTokens: number, priced: boolean }

/** The key's usage records, once every one is in the store. */
export async function recordsOf (app: FastifyInstance, keyId: string): Promise<KeyRecord[]> {
  await app.metering.recorder.flush()
  const rows = await app.store.db.selectFrom('usage_records').select(['status', 'credits', 'total_tokens', 'priced']).where('key_id', '=', keyId).execute()
  return rows.map((r) => ({ status: Number(r.status), credits: Number(r.credits), totalTokens: Number(r.total_tokens), priced: Number(r.priced) === 1 }))
}

/**
 * The key's own report (GET /api/v2/usage) agrees with the store: credits used (the ledger, settled once every
 * call's settlement landed, which Redis applies asynchronously) and requests by model.
 */
export async function selfReportAgrees (app: FastifyInstance, key: string, records: KeyRecord[]): Promise<{ ok: boolean, detail: string }> {
  const spent = records.reduce((sum, r) => sum + r.credits, 0)
  let last: any
  const ok = await eventually(async () => {
    last = (await app.inject({ url: '/api/v2/usage', headers: bearer(key) })).json()
    const requests = (last.byModel as Array<{ requests: number }>).reduce((sum, row) => sum + row.requests, 0)
    return Math.abs(last.creditsUsed - spent) < 1e-9 && requests === records.length
  })
  return { ok, detail: `report ${JSON.stringify({ creditsUsed: last?.creditsUsed, byModel: last?.byModel })}, store ${spent} over ${records.length} records` }
}
