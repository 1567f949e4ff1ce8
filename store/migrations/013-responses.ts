import type { Kysely } from 'kysely'

// Stored OpenAI Responses (POST /api/v2/responses with store not false), per access key, for previous_response_id,
// GET and DELETE: the whole conversation so far (input items then output items) and the response object. Their output
// items are indexed apart so an `item_reference` resolves in one lookup. Rows past expires_at are purged.
export async function up (db: Kysely<any>): Promise<void> {
  await db.schema.createTable('responses')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('key_id', 'text', (c) => c.notNull())
    .addColumn('model', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('conversation', 'text', (c) => c.notNull())
    .addColumn('response', 'text', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('responses_expires').on('responses').column('expires_at').execute()
  await db.schema.createTable('response_items')
    .addColumn('key_id', 'text', (c) => c.notNull())
    .addColumn('item_id', 'text', (c) => c.notNull())
    .addColumn('response_id', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('item', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('response_items_pk', ['key_id', 'item_id'])
    .execute()
  await db.schema.createIndex('response_items_response').on('response_items').column('response_id').execute()
  await db.schema.createIndex('response_items_expires').on('response_items').column('expires_at').execute()
}

export async function down (db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('response_items').execute()
  await db.schema.dropTable('responses').execute()
}
