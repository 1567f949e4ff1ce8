import fp from 'fastify-plugin'
import { openStore, storeOptions, type Store } from '#store/index.js'

declare module 'fastify' {
  interface FastifyInstance {
    store: Store
  }
}

/** The database: embedded SQLite in DATA_DIR by default, Postgres when DATABASE_URL says so. Migrated at start. */
export default fp(async (app) => {
  const store = await openStore(storeOptions(app.config))
  app.decorate('store', store)
  app.addHook('onClose', async () => { await store.close() })
  app.log.info({ dialect: store.dialect }, 'store ready')
}, { name: 'store' })
