import fp from 'fastify-plugin'
import { openStore, type Store } from '../../store/index.js'

declare module 'fastify' {
  interface FastifyInstance {
    store: Store
  }
}

/** The database: embedded SQLite in DATA_DIR by default, Postgres when DATABASE_URL says so. Migrated at start. */
export default fp(async (app) => {
  const { DATABASE_URL, DATA_DIR, DATABASE_SCHEMA, DATABASE_QUERY_TIMEOUT_MS } = app.config
  const store = await openStore({ databaseUrl: DATABASE_URL, dataDir: DATA_DIR, schema: DATABASE_SCHEMA, queryTimeoutMs: DATABASE_QUERY_TIMEOUT_MS })
  app.decorate('store', store)
  app.addHook('onClose', async () => { await store.close() })
  app.log.info({ dialect: store.dialect }, 'store ready')
}, { name: 'store' })
