import fp from 'fastify-plugin'
import { AggregatorRegistry } from 'prom-client'
import { clusterLink, type ClusterLink } from '#metering/cluster/link.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** This worker's line to the cluster primary (WORKERS > 1); undefined in a single process. */
    cluster: ClusterLink | undefined
  }
}

const READS = new Set(['GET', 'HEAD', 'OPTIONS'])

/**
 * A cluster worker (WORKERS > 1, metering/cluster/): an admin change (key revoked, rotated, edited, a session's keys
 * revoked; a model's rates, aliases or fallbacks; a provider or credential added, edited or removed) reaches every
 * other worker before its answer goes out: each drops its cached keys and re-reads its model catalog and providers, so the very next request on any worker sees it. SQLite's
 * data_version (store/change-feed.ts) still covers key changes from outside (the CLI) within 50 ms. Its metrics
 * registry is what the primary aggregates for /metrics.
 */
export default fp(async (app) => {
  const link = clusterLink()
  app.decorate('cluster', link)
  if (link === undefined) return
  link.onAdminChange(() => { app.store.noteKeyChangeElsewhere() })
  const rereads: Array<[string, () => Promise<void>]> = [['model catalog', async () => { await app.catalog.reload() }], ['providers', async () => { await app.providerAdmin.reload() }]]
  for (const [what, reread] of rereads) {
    link.onAdminChange(async () => {
      await reread().catch((err: unknown) => { app.log.warn({ err }, `could not re-read the ${what} after an admin change elsewhere; the next refresh (CATALOG_REFRESH_MS) catches up`) })
    })
  }
  // prom-client answers the primary's requests for this worker's metrics once an aggregator exists in the process
  void new AggregatorRegistry()
  AggregatorRegistry.setRegistries([app.metrics.registry])
  app.addHook('onSend', async (request, reply, payload) => {
    // the handler has returned, so its transaction is committed
    if (!READS.has(request.method) && reply.statusCode < 400 && request.routeOptions.url?.startsWith('/api/admin/') === true) {
      await link.request({ op: 'admin.changed' }).catch((err: unknown) => { request.log.warn({ err }, 'could not tell the other workers of an admin change; they see it within 50 ms') })
    }
    return payload
  })
}, { name: 'cluster', dependencies: ['store', 'metrics', 'catalog', 'upstream'] })
