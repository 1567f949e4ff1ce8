import fp from 'fastify-plugin'
import { AuditUnavailableError } from '#errors.js'
import type { FastifyRequest } from 'fastify'
import type { Principal } from '#schemas/principal.js'
import type { StoreTransaction } from '#store/index.js'

export interface AuditAction {
  action: string
  targetType: string
  targetId: string | null
  details?: Record<string, unknown>
}

const NOT_MADE = 'The audit log cannot be written right now, so the change was not made; try again shortly.'
const NOT_RECORDED = 'The audit log could not record this action; the gateway log has the details.'

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * Records an event that changes nothing in the store (a connection test, a failed sign-in) with the calling
     * principal as actor and the client IP. Never pass secrets in details. Throws AuditUnavailableError (503) when
     * the line cannot be written. Every admin change goes through `audited` instead, so it is never made unrecorded.
     */
    audit: (request: FastifyRequest, action: AuditAction) => Promise<void>
    /**
     * Makes an admin change and writes its audit line in one store transaction: both happen or neither does.
     * When the audit line cannot be written the change is rolled back and the caller gets a 503.
     */
    audited: <T>(request: FastifyRequest, change: (store: StoreTransaction) => Promise<{ result: T, audit: AuditAction }>) => Promise<T>
  }
}

export default fp(async (app) => {
  const line = (request: FastifyRequest, { action, targetType, targetId, details }: AuditAction) =>
    ({ actor: actorOf(request.principal), action, targetType, targetId, ip: request.ip, details: details ?? null })

  app.decorate('audit', async (request: FastifyRequest, action: AuditAction) => {
    try {
      await app.store.audit.record(line(request, action))
    } catch (err) {
      request.log.error({ err, action: action.action, targetId: action.targetId }, 'could not write audit record')
      throw new AuditUnavailableError(NOT_RECORDED, { cause: err })
    }
  })

  app.decorate('audited', async <T>(request: FastifyRequest, change: (store: StoreTransaction) => Promise<{ result: T, audit: AuditAction }>) => {
    return await app.store.transaction(async (store) => {
      const { result, audit } = await change(store)
      try {
        await store.audit.record(line(request, audit))
      } catch (err) {
        request.log.error({ err, action: audit.action, targetId: audit.targetId }, 'could not write audit record; change rolled back')
        throw new AuditUnavailableError(NOT_MADE, { cause: err })
      }
      return result
    })
  })
}, { name: 'audit', dependencies: ['store'] })

/** "access-key:<id>" or "jwt:<sub>" (a JWT principal's id already says jwt). */
export function actorOf (principal: Principal | undefined): string {
  if (principal === undefined) return 'anonymous'
  return principal.kind === 'jwt' ? principal.id : `${principal.kind}:${principal.id}`
}
