import fp from 'fastify-plugin'
import { LabelledCounter } from '#metering/prometheus-counts.js'
import { AccessKeyService } from '#keys/access-keys.js'
import { loadServerSecret } from '#keys/server-secret.js'
import type { AppOptions } from '#app.js'

declare module 'fastify' {
  interface FastifyInstance {
    accessKeys: AccessKeyService
    /** SERVER_SECRET or DATA_DIR/server-secret: keys the access-key HMAC and (via HKDF) the provider credential encryption. */
    serverSecret: Buffer
  }
}

export function bootstrapNotice (secret: string): string {
  const line = '='.repeat(78)
  return `${line}\nHubgate bootstrap admin key (shown once, store it now; it is kept only as a hash):\n\n  ${secret}\n\n` +
    `Use it as "Authorization: Bearer <key>" on /api/admin/* to issue access keys.\n${line}\n`
}

/** Access keys service, bootstrapped at start so an administrator can always get in. */
export default fp(async (app, options: AppOptions) => {
  const serverSecret = loadServerSecret(app.config.SERVER_SECRET, app.config.DATA_DIR)
  app.decorate('serverSecret', serverSecret)
  const lookups = new LabelledCounter({
    name: 'hubgate_key_cache_lookups_total',
    help: 'Access-key lookups by whether the in-memory cache answered (hit ratio = hit / all)',
    labelNames: ['result'] as const,
    registers: [app.metrics.registry]
  })
  const service = new AccessKeyService({
    store: app.store,
    serverSecret,
    cacheTtlMs: app.config.KEY_CACHE_TTL_MS,
    cacheSize: app.config.KEY_CACHE_SIZE,
    lastUsedFlushMs: app.config.LAST_USED_FLUSH_MS,
    log: app.log,
    onLookup: (result) => { lookups.inc({ result }) }
  })
  app.decorate('accessKeys', service)
  // preClose runs before any onClose, so last-used times are flushed while the store is still open
  app.addHook('preClose', async () => { await service.close() })

  const created = await service.bootstrap(app.config.ADMIN_KEY)
  if (created !== undefined) {
    const print = options.print ?? ((text: string) => process.stdout.write(text))
    print(bootstrapNotice(created))
  }
}, { name: 'access-keys', dependencies: ['store', 'metrics'] })
