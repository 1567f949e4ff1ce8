import { test } from 'tap'
import SQLite from 'better-sqlite3'
import { Kysely, Migrator, SqliteDialect } from 'kysely'
import { migrationProvider } from '#store/migrations/index.js'

test('migration 016 starts usage_daily_apps from the days already rolled up (as app "") and gives records an app of ""', async (t) => {
  const db = new Kysely<any>({ dialect: new SqliteDialect({ database: new SQLite(':memory:') }) })
  t.teardown(async () => { await db.destroy() })
  const migrator = new Migrator({ db, provider: migrationProvider })
  t.notOk((await migrator.migrateTo('014-cost-detail')).error)
  const day = { key_id: 'k', model: 'openai/gpt-4o', provider: 'openai', requests: 3, errors: 1, prompt_tokens: 30, completion_tokens: 6, total_tokens: 36, credits: 0.5, cached_tokens: 4 }
  await db.insertInto('usage_daily').values({ day: '2026-01-02', ...day }).execute()
  await db.insertInto('usage_records').values({
    id: 'r1', request_id: 'q', at: '2026-01-03T00:00:00.000Z', key_id: 'k', model: 'openai/gpt-4o', provider: 'openai', upstream_model: 'gpt-4o',
    prompt_tokens: 1, completion_tokens: 1, total_tokens: 2, credits: 0, priced: 1, status: 200, latency_ms: 1, ttfb_ms: 1, streamed: 0, client_aborted: 0, error: null
  }).execute()
  t.notOk((await migrator.migrateToLatest()).error)
  t.match(await db.selectFrom('usage_daily_apps').selectAll().execute(), [{ day: '2026-01-02', app: '', ...day }])
  t.match(await db.selectFrom('usage_records').select(['id', 'app']).execute(), [{ id: 'r1', app: '' }])
  t.match(await db.selectFrom('access_keys').select('per_app_credit_limit').execute(), [])
  t.notOk((await migrator.migrateTo('014-cost-detail')).error, 'and it goes down again')
})
