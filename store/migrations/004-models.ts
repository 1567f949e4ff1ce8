import type { Kysely } from 'kysely'

// The model catalog: what each "provider/model" maps to upstream, its kind, whether it is offered, and its price.
export async function up (db: Kysely<any>): Promise<void> {
  await db.schema.createTable('models')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('upstream_model', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('input_rate', 'double precision')
    .addColumn('output_rate', 'double precision')
    .addColumn('fallbacks', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute()
}

export async function down (db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('models').execute()
}
