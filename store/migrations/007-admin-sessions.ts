import type { Kysely } from 'kysely'

// Admin sessions minted by single sign-on, so one can be ended before it expires (sign-out, or an admin revoking
// it): a session token is accepted only while its row exists and is not revoked. Expired rows are purged.
export async function up (db: Kysely<any>): Promise<void> {
  await db.schema.createTable('admin_sessions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('email', 'text')
    .addColumn('name', 'text')
    .addColumn('issued_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('revoked_at', 'text')
    .execute()
  await db.schema.createIndex('admin_sessions_expires').on('admin_sessions').column('expires_at').execute()
}

export async function down (db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('admin_sessions').execute()
}
