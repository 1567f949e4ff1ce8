import fp from 'fastify-plugin'
import { Registry, collectDefaultMetrics } from 'prom-client'
import { LabelledCounter, LabelledHistogram } from '#metering/prometheus-counts.js'

export interface Metrics {
  registry: Registry
  httpRequests: LabelledCounter<'method' | 'route' | 'status'>
  httpDuration: LabelledHistogram<'method' | 'route'>
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Prometheus registry; other plugins add their own metrics to `metrics.registry`. */
    metrics: Metrics
  }
}

/**
 * Request counts and durations by route template (never the raw URL: ids would explode cardinality). Metrics counted
 * on every request use metering/prometheus-counts.ts (prom-client's exposition, a cheaper count).
 */
export default fp(async (app) => {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry, prefix: 'hubgate_process_' })
  const httpRequests = new LabelledCounter({
    name: 'hubgate_http_requests_total',
    help: 'HTTP requests answered, by route template and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry]
  })
  const httpDuration = new LabelledHistogram({
    name: 'hubgate_http_request_duration_seconds',
    help: 'Time from request to the end of the answer (streams included)',
    labelNames: ['method', 'route'] as const,
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
    registers: [registry]
  })
  app.decorate('metrics', { registry, httpRequests, httpDuration })

  app.addHook('onResponse', (request, reply, done) => {
    const route = request.is404 ? 'unmatched' : (request.routeOptions.url ?? 'unmatched')
    httpRequests.inc({ method: request.method, route, status: String(reply.statusCode) })
    httpDuration.observe({ method: request.method, route }, reply.elapsedTime / 1000)
    done()
  })
}, { name: 'metrics' })
