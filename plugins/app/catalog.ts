import fp from 'fastify-plugin'
import { ModelCatalog } from '#catalog/model-catalog.js'
import { pricePackage } from '#catalog/price-package.js'
import { PriceList } from '#catalog/price-list.js'

/** How long after listening the price list loads: after the first health checks, usually before the first call. */
const PRICE_LIST_LOAD_DELAY_MS = 200

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
  if (prices !== undefined) {
    // the first price lookup would load it (catalog/price-package.ts); loading it just after the start spares that call
    app.addHook('onListen', async () => { setTimeout(() => { pricePackage() }, PRICE_LIST_LOAD_DELAY_MS).unref() })
  }
}, { name: 'catalog', dependencies: ['store'] })
