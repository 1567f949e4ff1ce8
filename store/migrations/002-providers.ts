import type { Kysely } from 'kysely'

// Admin-managed upstream providers: a store-backed source for the provider registry (gateway/registry.ts),
// overriding environment-configured providers with the same id. Credentials and their encryption get their
// own table later (several per provider); this one holds only what routing needs.
export async function up (db: Kysely<any>): Promise<void> {
  await db.schema.createTable('providers')
    .addColumn('id', 'text', (c) => c.primaryKey()) // routing id: the "openai" in "openai/gpt-4o"
    .addColumn('kind', 'text', (c) => c.notNull()) // adapter: openai-compatible | anthropic | gemini
    .addColumn('display_name', 'text', (c) => c.notNull())
    .addColumn('base_url', 'text', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute()
}

export async function down (db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('providers').execute()
}
