import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { packageProviderIds } from '#catalog/price-providers.js'
import { PriceListProvidersView, providerDocs } from '#schemas/providers.js'

/** The built-in price list's providers: what a provider's priceProvider may name (the admin UI offers them). */
const priceList: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/', {
    schema: { ...providerDocs, summary: 'The built-in price list\'s provider ids (values of a provider\'s priceProvider)', response: { 200: PriceListProvidersView } }
  }, async () => ({ items: await packageProviderIds() }))
}
export default priceList
