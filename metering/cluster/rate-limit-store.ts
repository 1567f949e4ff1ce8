import type { FastifyRateLimitStore, FastifyRateLimitStoreCtor } from '@fastify/rate-limit'
import type { ClusterLink } from './link.js'
import type { RpmAnswer } from './protocol.js'

/**
 * A @fastify/rate-limit store whose counts the cluster primary keeps (WORKERS > 1), so a key's requests per minute
 * are counted once across workers. An unanswered count is an error, which the plugin's skipOnError lets through.
 */
export function clusterRateLimitStore (link: ClusterLink): FastifyRateLimitStoreCtor {
  return class ClusterRateLimitStore implements FastifyRateLimitStore {
    incr (key: string, callback: (error: Error | null, result?: RpmAnswer) => void, timeWindow: number): void {
      link.request<RpmAnswer>({ op: 'rpm.incr', key, windowMs: timeWindow }).then((answer) => { callback(null, answer) }, (err: Error) => { callback(err) })
    }

    child (): FastifyRateLimitStore {
      return this
    }
  }
}
