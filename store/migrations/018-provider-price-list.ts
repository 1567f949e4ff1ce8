import type { Kysely } from 'kysely'

// Built-in prices for admin-added providers (issue 25): which of the price package's providers prices a stored
// provider's models. 'auto' (every existing row) matches its base URL; NULL: none; otherwise the package's id.
export async function up (db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('providers').addColumn('price_provider', 'text', (c) => c.defaultTo('auto')).execute()
}

export async function down (db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('providers').dropColumn('price_provider').execute()
}
