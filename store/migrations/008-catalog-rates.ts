import type { Kysely } from 'kysely'

// Prices where tokens do not apply: credits per generated image (a default, and a JSON object of rates by
// "size/quality") and credits per answered call. One statement per column: SQLite adds one at a time.
export async function up (db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('models').addColumn('image_rate', 'double precision').execute()
  await db.schema.alterTable('models').addColumn('image_rates', 'text', (c) => c.notNull().defaultTo('{}')).execute()
  await db.schema.alterTable('models').addColumn('request_rate', 'double precision').execute()
}

export async function down (db: Kysely<any>): Promise<void> {
  for (const column of ['request_rate', 'image_rates', 'image_rate']) {
    await db.schema.alterTable('models').dropColumn(column).execute()
  }
}
