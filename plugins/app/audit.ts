import fp from 'fastify-plugin'
import type { FastifyRequest } from 'fastify'

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
    const actor = request.principal === undefined ? 'anonymous' : `${request.principal.kind}:${request.principal.id}`
    try {
      await app.store.audit.record({ actor, action, targetType, targetId, ip: request.ip, details: details ?? null })
    } catch (err) {
      // the action itself already happened; losing its audit line must be loud
      request.log.error({ err, action, targetId }, 'could not write audit record')
    }
  })
}, { name: 'audit', dependencies: ['store'] })
