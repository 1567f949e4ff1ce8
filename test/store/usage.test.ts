import { randomUUID } from 'node:crypto'
import { test, type Test } from 'tap'
import { openStore, type Store } from '#store/index.js'
import type { UsageDimension, UsageRecord, UsageRow } from '#store/usage.js'
import { tempDir } from '../helpers/build.js'
import { needs, postgresEnv, serviceUrl } from '../helpers/services.js'

function record (at: string, keyId: string, model: string, tokens: [number, number], credits: number, status = 200): UsageRecord {
  return {
    id: randomUUID(), requestId: randomUUID(), at, keyId, model, provider: model.split('/')[0]!, upstreamModel: model.split('/')[1]!,
    promptTokens: tokens[0], completionTokens: tokens[1], totalTokens: tokens[0] + tokens[1], credits, priced: true,
    status, latencyMs: 12, ttfbMs: 5, streamed: false, clientAborted: false, error: status >= 400 ? 'upstream failed' : null
  }
}

const RECORDS = [
  record('2026-11-20T10:00:00.000Z', 'k1', 'openai/gpt-4o', [100, 50], 1.5),
  record('2026-11-20T23:59:59.999Z', 'k1', 'anthropic/claude', [10, 5], 0.25),
  record('2026-11-21T00:00:00.000Z', 'k2', 'openai/gpt-4o', [200, 100], 3),
  record('2026-11-21T08:00:00.000Z', 'k1', 'openai/gpt-4o', [0, 0], 0, 502),
  record('2026-11-22T12:00:00.000Z', 'k2', 'openai/gpt-4o', [1, 1], 0.02)
]
const RANGE = { since: '2026-11-01T00:00:00.000Z', until: '2026-12-01T00:00:00.000Z' }

function byKey (rows: UsageRow[], field: UsageDimension): Record<string, UsageRow> {
  return Object.fromEntries(rows.map((r) => [String(r[field]), r]))
}

/** Every column reads back as written (the SQLite fast path binds them by position: an order slip would show here). Dated after RANGE, so the totals below leave it out. */
async function roundTrip (t: Test, store: Store): Promise<void> {
  const written: UsageRecord = {
    ...record('2026-12-15T09:30:00.000Z', 'k-round', 'openai/gpt-4o-mini', [7, 11], 0.125, 499),
    upstreamModel: 'gpt-4o-mini-2024-07-18', latencyMs: 1234.4, ttfbMs: 56.6, streamed: true, clientAborted: true, priced: false, error: 'client closed',
    cachedTokens: 1, cacheWriteTokens: 2, cacheWrite1hTokens: 3, reasoningTokens: 4, audioInputTokens: 5, audioOutputTokens: 6, app: 'did:abt:zApp',
    seconds: 2.5, characters: 9
  }
  await store.usage.insertBatch([written])
  const row = await store.db.selectFrom('usage_records').selectAll().where('id', '=', written.id).executeTakeFirstOrThrow()
  t.same({ ...row, credits: Number(row.credits) }, {
    id: written.id, request_id: written.requestId, at: written.at, key_id: 'k-round', model: 'openai/gpt-4o-mini', provider: 'openai',
    upstream_model: 'gpt-4o-mini-2024-07-18', prompt_tokens: 7, completion_tokens: 11, total_tokens: 18, credits: 0.125, priced: 0,
    status: 499, latency_ms: 1234, ttfb_ms: 57, streamed: 1, client_aborted: 1, error: 'client closed',
    cached_tokens: 1, cache_write_tokens: 2, cache_write_1h_tokens: 3, reasoning_tokens: 4, audio_input_tokens: 5, audio_output_tokens: 6, app: 'did:abt:zApp',
    seconds: 2.5, characters: 9
  }, 'every column as written')
}

async function suite (t: Test, store: Store): Promise<void> {
  await roundTrip(t, store)
  await store.usage.insertBatch(RECORDS)
  await store.usage.insertBatch(RECORDS.slice(0, 1)) // a retried batch does not double count

  const check = async (label: string): Promise<void> => {
    const keys = byKey(await store.usage.aggregate({ ...RANGE, groupBy: ['key'] }), 'key')
    t.match(keys.k1, { requests: 3, errors: 1, promptTokens: 110, completionTokens: 55, totalTokens: 165, credits: 1.75 }, `${label}: k1 totals`)
    t.match(keys.k2, { requests: 2, errors: 0, totalTokens: 302, credits: 3.02 }, `${label}: k2 totals`)
    const days = byKey(await store.usage.aggregate({ ...RANGE, groupBy: ['day'] }), 'day')
    t.same(Object.keys(days).sort(), ['2026-11-20', '2026-11-21', '2026-11-22'], `${label}: one row per day`)
    t.match(days['2026-11-21'], { requests: 2, errors: 1, credits: 3 })
    const models = await store.usage.aggregate({ ...RANGE, groupBy: ['key', 'model'], keyId: 'k1' })
    t.equal(models.length, 2, `${label}: k1 used two models`)
    t.equal(await store.usage.spentSince('k2', '2026-11-21T00:00:00.000Z'), 3.02, `${label}: spend since a day`)
  }

  await check('raw only')
  t.equal(await store.usage.rollup('2026-11-21'), 2, 'two complete days rolled up')
  t.equal(await store.usage.watermark(), '2026-11-21')
  await check('rolled up + raw')
  t.equal(await store.usage.rollup('2026-11-21'), 0, 'rollup is idempotent')
  t.equal(await store.usage.purge('2026-12-01T00:00:00.000Z'), 4, 'purge stops at the watermark: only rolled-up days go')
  await check('after purge')
}

test('usage on SQLite: aggregates by key/model/day, rolls up and purges without changing totals', async (t) => {
  const store = await openStore({ dataDir: tempDir(t) })
  t.teardown(() => store.close())
  await suite(t, store)
})

test('SQLite: a usage batch written while another transaction is open does not join it (nor roll back with it)', async (t) => {
  const store = await openStore({ dataDir: tempDir(t) })
  t.teardown(() => store.close())
  const count = async (): Promise<number> => Number((await store.db.selectFrom('usage_records').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n)
  let release!: () => void
  const held = new Promise<void>((resolve) => { release = resolve })
  let inside!: () => void
  const opened = new Promise<void>((resolve) => { inside = resolve })
  const rolledBack = store.db.transaction().execute(async (trx) => {
    await trx.insertInto('usage_state').values({ name: 'probe', value: 'x' }).execute()
    inside()
    await held
    throw new Error('roll back')
  }).catch(() => 'rolled back')
  await opened
  const written = store.usage.insertBatch(RECORDS.slice(0, 2))
  release()
  t.equal(await rolledBack, 'rolled back')
  await written
  t.equal(await count(), 2, 'both records are in the store after the other transaction rolled back')
  await store.usage.insertBatch(RECORDS)
  t.equal(await count(), RECORDS.length, 'the direct path skips ids already written')
})

test('usage on Postgres: same behaviour', needs('TEST_DATABASE_URL', 'Postgres'), async (t) => {
  const env = postgresEnv(t, serviceUrl('TEST_DATABASE_URL'))
  const store = await openStore({ databaseUrl: env.DATABASE_URL, schema: env.DATABASE_SCHEMA, dataDir: tempDir(t) })
  t.teardown(() => store.close())
  await suite(t, store)
})
