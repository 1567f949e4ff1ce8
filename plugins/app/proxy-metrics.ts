import fp from 'fastify-plugin'
import { Gauge } from 'prom-client'
import { LabelledCounter, LabelledHistogram } from '#metering/prometheus-counts.js'
import type { UsageEvent } from '#gateway/usage-events.js'
import { BREAKER_STATE_VALUE } from '#gateway/circuit-breaker.js'
import { modelLabeller } from '#metering/model-label.js'

const NOT_CALLED = '(none)'
const LATENCY_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300]

/**
 * Metrics of proxied model calls, all derived from the one usage event per call (so they agree with
 * metering), plus gauges read at scrape time: open streams and each provider's circuit breaker. `model` is the
 * model that answered (a fallback when one took over), "other" for a model the gateway does not list (metering/model-label.ts), or "(none)" for a call refused before any provider was called.
 * (The access-key cache hit ratio is counted where the keys live: plugins/app/access-keys.ts.)
 */
export default fp(async (app) => {
  const registers = [app.metrics.registry]
  const requests = new LabelledCounter({
    name: 'hubgate_upstream_requests_total',
    help: 'Model calls by provider, model and the status the client got (499: client left first)',
    labelNames: ['provider', 'model', 'status'] as const,
    registers
  })
  const perProvider = (name: string, help: string): LabelledHistogram<'provider'> =>
    new LabelledHistogram({ name, help, labelNames: ['provider'] as const, buckets: LATENCY_BUCKETS, registers })
  const latency = perProvider('hubgate_upstream_latency_seconds', 'Model call duration, to the last byte relayed or the failure (retries and fallbacks included)')
  const ttfb = perProvider('hubgate_upstream_ttfb_seconds', 'Time to the first streamed chunk (non-streamed calls: to the whole answer)')
  const tokens = new LabelledCounter({
    name: 'hubgate_tokens_total',
    help: 'Tokens as providers reported them',
    labelNames: ['provider', 'model', 'type'] as const,
    registers
  })
  const fallbacks = new LabelledCounter({
    name: 'hubgate_upstream_fallbacks_total',
    help: 'Calls answered (or failed last) by a catalog fallback instead of the requested model',
    labelNames: ['requested', 'model'] as const,
    registers
  })
  const providers = app.providers
  const modelLabel = modelLabeller(app.catalog, providers.registry)
  const streams = new Gauge({
    name: 'hubgate_inflight_streams',
    help: 'Streamed answers being relayed now',
    registers,
    collect () { this.set(providers.inflightStreams) }
  })
  const breakers = new Gauge({
    name: 'hubgate_provider_breaker_state',
    help: 'Circuit breaker per provider: 0 closed, 1 open, 2 half-open',
    labelNames: ['provider'] as const,
    registers,
    collect () {
      this.reset()
      const states = providers.breakers.snapshot(providers.registry.list().map((p) => p.id))
      for (const [provider, state] of Object.entries(states)) this.set({ provider }, BREAKER_STATE_VALUE[state])
    }
  })
  void streams
  void breakers

  app.usageEvents.on('usage', (event: UsageEvent) => {
    // a call refused before reaching any provider may carry any name a client typed: never a label value
    const reached = (event.attempts ?? 0) > 0
    const provider = reached || providers.registry.get(event.provider) !== undefined ? event.provider : NOT_CALLED
    const model = reached ? modelLabel(event.model) : NOT_CALLED
    requests.inc({ provider, model, status: String(event.status) })
    if (!reached) return
    latency.observe({ provider }, event.latencyMs / 1000)
    ttfb.observe({ provider }, event.ttfbMs / 1000)
    if (event.promptTokens > 0) tokens.inc({ provider, model, type: 'prompt' }, event.promptTokens)
    if (event.completionTokens > 0) tokens.inc({ provider, model, type: 'completion' }, event.completionTokens)
    if (event.requestedModel !== undefined) fallbacks.inc({ requested: modelLabel(event.requestedModel), model })
  })
}, { name: 'proxy-metrics', dependencies: ['metrics', 'providers', 'metering', 'catalog'] })
