import type { Kysely } from 'kysely'

// Cost to the token: the catalog's rates for cache reads and writes, reasoning and audio, and long-context tiers
// (JSON); each usage record's and daily rollup's token parts. One statement per column: SQLite adds one at a time.
export const RATE_COLUMNS = ['cached_input_rate', 'cache_write_rate', 'cache_write_1h_rate', 'reasoning_rate', 'audio_input_rate', 'audio_output_rate'] as const
export const TOKEN_DETAIL_COLUMNS = ['cached_tokens', 'cache_write_tokens', 'cache_write_1h_tokens', 'reasoning_tokens', 'audio_input_tokens', 'audio_output_tokens'] as const

export async function up (db: Kysely<any>): Promise<void> {
  for (const column of RATE_COLUMNS) await db.schema.alterTable('models').addColumn(column, 'double precision').execute()
  await db.schema.alterTable('models').addColumn('rate_tiers', 'text', (c) => c.notNull().defaultTo('[]')).execute()
  for (const column of TOKEN_DETAIL_COLUMNS) {
    await db.schema.alterTable('usage_records').addColumn(column, 'integer', (c) => c.notNull().defaultTo(0)).execute()
    await db.schema.alterTable('usage_daily').addColumn(column, 'bigint', (c) => c.notNull().defaultTo(0)).execute()
  }
}

export async function down (db: Kysely<any>): Promise<void> {
  for (const column of TOKEN_DETAIL_COLUMNS) {
    await db.schema.alterTable('usage_daily').dropColumn(column).execute()
    await db.schema.alterTable('usage_records').dropColumn(column).execute()
  }
  for (const column of ['rate_tiers', ...RATE_COLUMNS]) await db.schema.alterTable('models').dropColumn(column).execute()
}
