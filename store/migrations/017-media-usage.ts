import type { Kysely } from 'kysely'

// Video and audio are priced per second and per character (issue 25): the catalog's rates for them, and each usage
// record's and daily rollups' seconds and characters. One statement per column: SQLite adds one at a time.
export const MEDIA_RATE_COLUMNS = ['second_rate', 'character_rate'] as const
export const MEDIA_USAGE_COLUMNS = ['seconds', 'characters'] as const

export async function up (db: Kysely<any>): Promise<void> {
  for (const column of MEDIA_RATE_COLUMNS) await db.schema.alterTable('models').addColumn(column, 'double precision').execute()
  // seconds may be fractional (a transcribed file's duration); characters are whole
  await db.schema.alterTable('usage_records').addColumn('seconds', 'double precision', (c) => c.notNull().defaultTo(0)).execute()
  await db.schema.alterTable('usage_records').addColumn('characters', 'integer', (c) => c.notNull().defaultTo(0)).execute()
  // usage_daily_apps (migration 016) rolls up the same sums per app
  for (const table of ['usage_daily', 'usage_daily_apps']) {
    await db.schema.alterTable(table).addColumn('seconds', 'double precision', (c) => c.notNull().defaultTo(0)).execute()
    await db.schema.alterTable(table).addColumn('characters', 'bigint', (c) => c.notNull().defaultTo(0)).execute()
  }
}

export async function down (db: Kysely<any>): Promise<void> {
  for (const column of MEDIA_USAGE_COLUMNS) {
    await db.schema.alterTable('usage_daily_apps').dropColumn(column).execute()
    await db.schema.alterTable('usage_daily').dropColumn(column).execute()
    await db.schema.alterTable('usage_records').dropColumn(column).execute()
  }
  for (const column of MEDIA_RATE_COLUMNS) await db.schema.alterTable('models').dropColumn(column).execute()
}
