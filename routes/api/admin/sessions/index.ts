import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { NotFoundError } from '../../../../lib/errors.js'
import { errorResponses } from '../../../../schemas/error.js'

const AdminSession = Type.Object({
  id: Type.String(),
  subject: Type.String({ description: 'The identity provider\'s issuer and subject' }),
  email: Type.Union([Type.String(), Type.Null()]),
  name: Type.Union([Type.String(), Type.Null()]),
  issuedAt: Type.String({ format: 'date-time' }),
  expiresAt: Type.String({ format: 'date-time' }),
  current: Type.Boolean({ description: 'The session making this request' })
}, { $id: 'AdminSession' })

const docs = { tags: ['admin: single sign-on'], security: [{ bearerAuth: [] }] }
const config = { scope: 'admin' as const }

/**
 * Admin sessions from single sign-on that are still live (signed in, unexpired, not ended): list them, end one
 * (someone left the team, a laptop was lost) or all of them. Ended sessions are refused by every replica at once.
 */
const sessions: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/', {
    config,
    schema: { ...docs, summary: 'Live admin sessions, newest first', response: { 200: Type.Object({ items: Type.Array(AdminSession) }), ...errorResponses(401, 503) } }
  }, async (request) => {
    const current = request.principal?.sessionId
    return { items: (await app.adminSessions.list()).map((s) => ({ ...s, current: s.id === current })) }
  })

  app.delete('/:id', {
    config,
    schema: {
      ...docs,
      summary: 'End one admin session now',
      params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) }),
      response: { 204: Type.Null(), ...errorResponses(400, 401, 404, 503) }
    }
  }, async (request, reply) => {
    const { id } = request.params
    if (await app.adminSessions.revoke([id]) === 0) throw new NotFoundError('no live admin session with this id')
    await app.audit(request, { action: 'admin.session_revoked', targetType: 'admin_session', targetId: id })
    return await reply.code(204).send(null)
  })

  app.delete('/', {
    config,
    schema: {
      ...docs,
      summary: 'End every admin session now (everyone signs in again; admin keys are not affected)',
      response: { 200: Type.Object({ revoked: Type.Integer({ description: 'Sessions ended' }) }), ...errorResponses(401, 503) }
    }
  }, async (request) => {
    const revoked = await app.adminSessions.revoke()
    await app.audit(request, { action: 'admin.sessions_revoked', targetType: 'admin_session', targetId: null, details: { revoked } })
    return { revoked }
  })
}

export default sessions
