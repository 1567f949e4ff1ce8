import type { Kysely } from 'kysely'

// Several credentials per admin-managed provider, encrypted at rest (keys/secret-box.ts), spread by weight and
// taken out of rotation when the provider refuses them (disabled_reason) or rate-limits them (cooldown_until).
// Store providers also get their model list (JSON array; "*" admits any name).
export async function up (db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('providers')
    .addColumn('models', 'text', (c) => c.notNull().defaultTo('["*"]'))
    .execute()
  await db.schema.createTable('provider_credentials')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('provider_id', 'text', (c) => c.notNull().references('providers.id').onDelete('cascade'))
    .addColumn('label', 'text', (c) => c.notNull())
    .addColumn('secret_ciphertext', 'text', (c) => c.notNull())
    .addColumn('secret_hint', 'text', (c) => c.notNull()) // masked form ("sk-…abcd"), shown instead of the secret
    .addColumn('weight', 'integer', (c) => c.notNull())
    .addColumn('disabled_reason', 'text')
    .addColumn('cooldown_until', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('provider_credentials_provider').on('provider_credentials').column('provider_id').execute()
}

export async function down (db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('provider_credentials').execute()
  await db.schema.alterTable('providers').dropColumn('models').execute()
}
