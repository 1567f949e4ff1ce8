import fp from 'fastify-plugin'
import { ModelCatalog } from '#catalog/model-catalog.js'
import { PriceList } from '#catalog/price-list.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** The model catalog (upstream names, kinds, prices, fallbacks), in memory and kept in step with the store. */
    catalog: ModelCatalog
  }
}

export default fp(async (app) => {
  const prices = app.config.BUILTIN_PRICES ? new PriceList(app.config.CREDITS_PER_USD) : undefined
  const catalog = new ModelCatalog(app.store.models, app.log, app.config.CATALOG_REFRESH_MS, prices)
  await catalog.reload()
  app.decorate('catalog', catalog)
  app.addHook('onClose', async () => { catalog.close() })
}, { name: 'catalog', dependencies: ['store'] })
