import fp from 'fastify-plugin'
import type { FastifyRequest } from 'fastify'
import type { Principal } from '../../lib/principal.js'

export interface AuditAction {
  action: string
  targetType: string
  targetId: string | null
  details?: Record<string, unknown>
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Records an admin action with the calling principal as actor and the client IP. Never pass secrets in details. */
    audit: (request: FastifyRequest, action: AuditAction) => Promise<void>
  }
}

export default fp(async (app) => {
  app.decorate('audit', async (request: FastifyRequest, { action, targetType, targetId, details }: AuditAction) => {
    const actor = actorOf(request.principal)
    try {
      await app.store.audit.record({ actor, action, targetType, targetId, ip: request.ip, details: details ?? null })
    } catch (err) {
      // the action itself already happened; losing its audit line must be loud
      request.log.error({ err, action, targetId }, 'could not write audit record')
    }
  })
}, { name: 'audit', dependencies: ['store'] })

/** "access-key:<id>" or "jwt:<sub>" (a JWT principal's id already says jwt). */
function actorOf (principal: Principal | undefined): string {
  if (principal === undefined) return 'anonymous'
  return principal.kind === 'jwt' ? principal.id : `${principal.kind}:${principal.id}`
}
