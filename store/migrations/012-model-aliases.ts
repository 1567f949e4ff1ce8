import type { Kysely } from 'kysely'

// Catalog aliases: other names clients may use for a catalog model ("gpt-4o-mini", "fast"). The primary key makes
// each alias name one model across the whole catalog, on SQLite and Postgres alike, even under concurrent edits.
export async function up (db: Kysely<any>): Promise<void> {
  await db.schema.createTable('model_aliases')
    .addColumn('alias', 'text', (c) => c.primaryKey())
    .addColumn('model_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('model_aliases_model_id').on('model_aliases').column('model_id').execute()
}

export async function down (db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('model_aliases').execute()
}
