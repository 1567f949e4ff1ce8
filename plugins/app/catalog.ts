import fp from 'fastify-plugin'
import { ModelCatalog } from '#catalog/model-catalog.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** The model catalog (upstream names, kinds, prices, fallbacks), in memory and kept in step with the store. */
    catalog: ModelCatalog
  }
}

export default fp(async (app) => {
  const catalog = new ModelCatalog(app.store.models, app.log, app.config.CATALOG_REFRESH_MS)
  await catalog.reload()
  app.decorate('catalog', catalog)
  app.addHook('onClose', async () => { catalog.close() })
}, { name: 'catalog', dependencies: ['store'] })
