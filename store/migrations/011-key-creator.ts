import type { Kysely } from 'kysely'

// Who issued each access key ("sso:alice@example.com", "access-key:<id>", "jwt:<sub>", "cli:<user>"), and the single sign-on
// session it was issued under, so ending a session can offer to revoke the keys it created. Null for older keys.
export async function up (db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('access_keys').addColumn('created_by', 'text').execute()
  await db.schema.alterTable('access_keys').addColumn('created_by_session', 'text').execute()
  await db.schema.createIndex('access_keys_created_by_session').on('access_keys').column('created_by_session').execute()
}

export async function down (db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('access_keys_created_by_session').execute()
  for (const column of ['created_by_session', 'created_by']) {
    await db.schema.alterTable('access_keys').dropColumn(column).execute()
  }
}
