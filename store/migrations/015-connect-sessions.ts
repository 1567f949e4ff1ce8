import type { Kysely } from 'kysely'

// Sessions of `aigne hub connect`: a CLI opens one (no credentials), an admin approves or denies it in the admin UI,
// the CLI polls until it gets its new key and deletes it. Stored by HMAC of the session id (the id is the bearer of the
// right to collect the key); an approved session holds the key's secret sealed with the server secret until the CLI
// collects it. Rows past expires_at are purged.
export async function up (db: Kysely<any>): Promise<void> {
  await db.schema.createTable('connect_sessions')
    .addColumn('id_hash', 'text', (c) => c.primaryKey())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('key_id', 'text')
    .addColumn('sealed_secret', 'text')
    .addColumn('challenge', 'text')
    .execute()
  await db.schema.createIndex('connect_sessions_expires').on('connect_sessions').column('expires_at').execute()
}

export async function down (db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('connect_sessions').execute()
}
