import { sql, type Kysely } from 'kysely'
import { TOKEN_DETAIL_COLUMNS } from './014-cost-detail.js'

// Usage per app (x-aigne-hub-client-did): each record's app ('' for none), and per-app credit limits on a key.
// usage_daily's primary key has no app, so rolled-up days per app get their own table: one row per day, key, app,
// model and provider, started from usage_daily (the days rolled up before this migration count as app '').
const SUMMED = ['prompt_tokens', 'completion_tokens', 'total_tokens', 'credits', ...TOKEN_DETAIL_COLUMNS] as const

export async function up (db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('usage_records').addColumn('app', 'text', (c) => c.notNull().defaultTo('')).execute()
  // a key's spend per app (per-app limits), and reports by app over a time range
  await db.schema.createIndex('usage_records_key_app_at_idx').on('usage_records').columns(['key_id', 'app', 'at']).execute()
  let table = db.schema.createTable('usage_daily_apps')
    .addColumn('day', 'text', (c) => c.notNull())
    .addColumn('key_id', 'text', (c) => c.notNull())
    .addColumn('app', 'text', (c) => c.notNull())
    .addColumn('model', 'text', (c) => c.notNull())
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('requests', 'integer', (c) => c.notNull())
    .addColumn('errors', 'integer', (c) => c.notNull())
  for (const column of SUMMED) table = table.addColumn(column, column === 'credits' ? 'double precision' : 'bigint', (c) => c.notNull().defaultTo(0))
  await table.addPrimaryKeyConstraint('usage_daily_apps_pk', ['day', 'key_id', 'app', 'model', 'provider']).execute()
  await db.insertInto('usage_daily_apps').columns(['day', 'key_id', 'app', 'model', 'provider', 'requests', 'errors', ...SUMMED])
    .expression(db.selectFrom('usage_daily').select(['day', 'key_id', sql.lit('').as('app'), 'model', 'provider', 'requests', 'errors', ...SUMMED]))
    .execute()
  await db.schema.alterTable('access_keys').addColumn('per_app_credit_limit', 'double precision').execute()
}

export async function down (db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('access_keys').dropColumn('per_app_credit_limit').execute()
  await db.schema.dropTable('usage_daily_apps').execute()
  await db.schema.dropIndex('usage_records_key_app_at_idx').execute()
  await db.schema.alterTable('usage_records').dropColumn('app').execute()
}
