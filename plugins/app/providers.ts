import fp from 'fastify-plugin'
import { UsageEvents } from '#gateway/usage-events.js'
import { CircuitBreakers } from '#gateway/circuit-breaker.js'
import { envProviderSource } from '#gateway/env-source.js'
import { UpstreamHttp } from '#upstream/http.js'
import { ProviderRegistry } from '#gateway/registry.js'
import { ProviderService } from '#gateway/service.js'
import { SecretBox } from '#keys/secret-box.js'
import { CredentialPool } from '#gateway/credentials.js'
import { StoreProviders, storeProviderSource } from '#gateway/store-source.js'
import { AddressGuard } from '#upstream/address-guard.js'
import type { AppOptions } from '#app.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** Provider registry and the one entry point for model calls (`providers.chat`, `providers.chatStream`). */
    providers: ProviderService
    /** Emits one `usage` event per model call (gateway/usage-events.ts); metering listens here. */
    usageEvents: UsageEvents
    /** Admin-managed providers and credentials (store-backed, /api/admin/providers). */
    providerAdmin: StoreProviders
  }
}

/** Upstream providers: the registry (environment-configured today; the store adds a source later) and pooled HTTP to them. */
export default fp<Pick<AppOptions, 'resolveHost'>>(async (app, opts) => {
  const { UPSTREAM_CONNECT_TIMEOUT_MS, UPSTREAM_TIMEOUT_MS, UPSTREAM_IDLE_TIMEOUT_MS } = app.config
  // admin-configured providers may only reach public addresses or PROVIDER_ALLOWED_HOSTS, checked at save and at connect
  const guard = new AddressGuard(app.config.PROVIDER_ALLOWED_HOSTS, opts.resolveHost)
  const http = new UpstreamHttp({ connectMs: UPSTREAM_CONNECT_TIMEOUT_MS, headersMs: UPSTREAM_TIMEOUT_MS, idleMs: UPSTREAM_IDLE_TIMEOUT_MS }, undefined, guard)
  const registry = new ProviderRegistry([envProviderSource(app.config), storeProviderSource(app.store.providers)])
  const box = new SecretBox(app.serverSecret)
  const credentials = new CredentialPool(app.store.providers, box, app.log)
  // reloaded after every admin change and every CATALOG_REFRESH_MS (other replicas' changes)
  const providerAdmin = new StoreProviders(app.store.providers, registry, credentials, box, app.log, app.config.CATALOG_REFRESH_MS, Math.min(UPSTREAM_TIMEOUT_MS, 10_000), guard, http)
  await providerAdmin.reload()
  app.decorate('providerAdmin', providerAdmin)
  const usageEvents = new UsageEvents()
  app.decorate('usageEvents', usageEvents)
  const { UPSTREAM_RETRIES, UPSTREAM_RETRY_BASE_MS, UPSTREAM_RETRY_MAX_WAIT_MS, BREAKER_FAILURES, BREAKER_COOLDOWN_MS } = app.config
  app.decorate('providers', new ProviderService(registry, http, usageEvents, app.log, {
    retry: { retries: UPSTREAM_RETRIES, baseMs: UPSTREAM_RETRY_BASE_MS, maxWaitMs: UPSTREAM_RETRY_MAX_WAIT_MS },
    breakers: new CircuitBreakers({ failures: BREAKER_FAILURES, cooldownMs: BREAKER_COOLDOWN_MS }),
    // read at call time, so catalog edits apply at once; disabled fallbacks are skipped
    fallbacksOf: (model) => (app.catalog.get(model)?.fallbacks ?? []).filter((id) => app.catalog.get(id)?.enabled !== false)
  }))
  app.providers.setCredentials(credentials)
  app.providers.setAliases((alias) => app.catalog.modelForAlias(alias)?.id)
  app.addHook('onClose', async () => {
    providerAdmin.close()
    await http.close()
  })
  app.log.info({ providers: registry.list().map((p) => `${p.id} (${p.source})`) }, 'providers configured')
}, { name: 'providers', dependencies: ['catalog', 'server-timing', 'access-keys'] })
