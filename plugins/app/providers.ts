import fp from 'fastify-plugin'
import { CircuitBreakers } from '#gateway/circuit-breaker.js'
import { ProviderService } from '#gateway/service.js'
import type { AppOptions } from '#app.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** Provider registry and the one entry point for model calls (`providers.chat`, `providers.chatStream`). */
    providers: ProviderService
  }
}

/** The one entry point for model calls, built with everything a call needs: upstreams, metering's admission and usage events. */
export default fp<Pick<AppOptions, 'now'>>(async (app, opts) => {
  const { registry, http, credentials } = app.upstream
  const { UPSTREAM_RETRIES, UPSTREAM_RETRY_BASE_MS, UPSTREAM_RETRY_MAX_WAIT_MS, BREAKER_FAILURES, BREAKER_COOLDOWN_MS } = app.config
  app.decorate('providers', new ProviderService(registry, http, app.usageEvents, app.log, {
    retry: { retries: UPSTREAM_RETRIES, baseMs: UPSTREAM_RETRY_BASE_MS, maxWaitMs: UPSTREAM_RETRY_MAX_WAIT_MS },
    breakers: new CircuitBreakers({ failures: BREAKER_FAILURES, cooldownMs: BREAKER_COOLDOWN_MS }),
    // read at call time, so catalog edits apply at once; disabled fallbacks are skipped
    fallbacksOf: (model) => (app.catalog.get(model)?.fallbacks ?? []).filter((id) => app.catalog.get(id)?.enabled !== false),
    admission: app.metering.admission,
    credentials,
    aliasOf: (alias) => app.catalog.modelForAlias(alias)?.id,
    rates: (model, at) => app.catalog.rates(model, at),
    ...(opts.now !== undefined ? { now: opts.now } : {})
  }))
}, { name: 'providers', dependencies: ['upstream', 'metering', 'catalog'] })
