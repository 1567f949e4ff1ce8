import type { Kysely } from 'kysely'

// Per-key cap on calls in progress at once (streams included); null = unlimited.
export async function up (db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('access_keys').addColumn('max_concurrent', 'integer').execute()
}

export async function down (db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('access_keys').dropColumn('max_concurrent').execute()
}
