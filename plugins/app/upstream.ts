import fp from 'fastify-plugin'
import { envProviderSource } from '#gateway/env-source.js'
import { UpstreamHttp } from '#upstream/http.js'
import { ProviderRegistry } from '#gateway/registry.js'
import { SecretBox } from '#keys/secret-box.js'
import { CredentialPool } from '#gateway/credentials.js'
import { StoreProviders, storeProviderSource } from '#gateway/store-source.js'
import { AddressGuard } from '#upstream/address-guard.js'
import type { AppOptions } from '#app.js'
import { priceProviderFor } from '#catalog/price-providers.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** What every model call goes through: the providers configured (environment and store), pooled HTTP, credentials. */
    upstream: { registry: ProviderRegistry, http: UpstreamHttp, credentials: CredentialPool }
    /** Admin-managed providers and credentials (store-backed, /api/admin/providers). */
    providerAdmin: StoreProviders
  }
}

/** The upstream side: configured providers (reloaded after every admin change), their credentials and pooled HTTP to them. */
export default fp<Pick<AppOptions, 'resolveHost' | 'upstreamCa'>>(async (app, opts) => {
  const { UPSTREAM_CONNECT_TIMEOUT_MS, UPSTREAM_TIMEOUT_MS, UPSTREAM_IDLE_TIMEOUT_MS } = app.config
  // admin-configured providers may only reach public addresses or PROVIDER_ALLOWED_HOSTS, checked at save and at connect
  const guard = new AddressGuard(app.config.PROVIDER_ALLOWED_HOSTS, opts.resolveHost)
  const http = new UpstreamHttp({ connectMs: UPSTREAM_CONNECT_TIMEOUT_MS, headersMs: UPSTREAM_TIMEOUT_MS, idleMs: UPSTREAM_IDLE_TIMEOUT_MS }, undefined, guard, opts.upstreamCa)
  // each reload tells the price list which of its providers prices each provider's models
  const registry = new ProviderRegistry([envProviderSource(app.config), storeProviderSource(app.store.providers)], (providers) => { app.catalog.useProviders(providers) })
  const box = new SecretBox(app.serverSecret)
  const credentials = new CredentialPool(app.store.providers, box, app.log)
  // reloaded after every admin change and every CATALOG_REFRESH_MS (other replicas' changes)
  const providerAdmin = new StoreProviders(app.store.providers, registry, credentials, box, app.log, app.config.CATALOG_REFRESH_MS, Math.min(UPSTREAM_TIMEOUT_MS, 10_000), guard, http,
    app.config.BUILTIN_PRICES ? (provider) => priceProviderFor(provider) : undefined)
  await providerAdmin.reload()
  app.decorate('upstream', { registry, http, credentials })
  app.decorate('providerAdmin', providerAdmin)
  app.addHook('onClose', async () => {
    providerAdmin.close()
    await http.close()
  })
  app.log.info({ providers: registry.list().map((p) => `${p.id} (${p.source})`) }, 'providers configured')
}, { name: 'upstream', dependencies: ['store', 'access-keys', 'catalog'] })
