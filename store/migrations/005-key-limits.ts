import type { Kysely } from 'kysely'

// Spending and rate limits per access key; null = unlimited. One statement per column: SQLite adds one at a time.
export async function up (db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('access_keys').addColumn('credit_limit', 'double precision').execute()
  await db.schema.alterTable('access_keys').addColumn('credit_period', 'text').execute()
  await db.schema.alterTable('access_keys').addColumn('rpm', 'integer').execute()
  await db.schema.alterTable('access_keys').addColumn('tpm', 'integer').execute()
}

export async function down (db: Kysely<any>): Promise<void> {
  for (const column of ['tpm', 'rpm', 'credit_period', 'credit_limit']) {
    await db.schema.alterTable('access_keys').dropColumn(column).execute()
  }
}
