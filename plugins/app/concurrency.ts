import fp from 'fastify-plugin'
import { MemoryConcurrencySlots } from '#metering/concurrency/memory.js'
import { RedisConcurrencySlots } from '#metering/concurrency/redis.js'
import { ClusterConcurrencySlots } from '#metering/concurrency/cluster.js'
import { clusterLink } from '#metering/cluster/link.js'
import { ClientClosedError, ConcurrencyLimitedError } from '#errors.js'

/** Route scopes whose calls go to a model: every client family's chat, embeddings and image routes carry one. */
const MODEL_CALLS = new Set(['chat', 'embeddings', 'images'])

/**
 * Per-key `maxConcurrent`: a model call holds one of its key's slots from after authentication, rate limiting and
 * body validation until its response is over (a stream's last byte) or its client has left, whatever happened in
 * between; past the cap it answers 429. With REDIS_URL the slots are shared by every replica, with WORKERS > 1 by
 * every worker of the machine.
 */
export default fp(async (app) => {
  const link = clusterLink()
  const slots = app.redis !== undefined
    ? new RedisConcurrencySlots(app.redis, app.log)
    : link !== undefined ? new ClusterConcurrencySlots(link) : new MemoryConcurrencySlots()
  app.addHook('onClose', async () => { slots.close() })

  app.addHook('preHandler', (request, reply, done) => {
    const principal = request.principal
    const limit = principal?.limits.maxConcurrent ?? null
    const scope = request.routeOptions.config.scope
    if (principal === undefined || limit === null || scope === undefined || !MODEL_CALLS.has(scope)) { done(); return }
    // a client already gone gets no call (its 'close' has passed, so nothing would ever give a slot back)
    if (reply.raw.destroyed) { done(new ClientClosedError()); return }
    const acquiring = slots.acquire(principal.id, limit)
    // 'close' comes once the response is over or the client left, whichever path the call took
    reply.raw.once('close', () => { void acquiring.then((release) => { release?.() }, () => {}) })
    acquiring.then((release) => {
      // a client that left while the slot was taken has already given it back: its call must not run unslotted
      if (release !== undefined) { done(reply.raw.destroyed ? new ClientClosedError() : undefined); return }
      done(Object.assign(new ConcurrencyLimitedError(`This key already has ${limit} model ${limit === 1 ? 'call' : 'calls'} in progress, its limit (maxConcurrent); retry when one ends.`), { retryAfter: 1 }))
    }, done)
  })
}, { name: 'concurrency', dependencies: ['redis', 'auth'] })
