import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import { NotFoundError } from '#errors.js'
import { errorResponses } from '#schemas/error.js'
import { AccessKeyView } from '#schemas/access-keys.js'
import type { StoreTransaction } from '#store/index.js'
import { accessKeyView } from '../access-keys/index.js'

const AdminSession = Type.Object({
  id: Type.String(),
  subject: Type.String({ description: 'The identity provider\'s issuer and subject' }),
  email: Type.Union([Type.String(), Type.Null()]),
  name: Type.Union([Type.String(), Type.Null()]),
  issuedAt: Type.String({ format: 'date-time' }),
  expiresAt: Type.String({ format: 'date-time' }),
  current: Type.Boolean({ description: 'The session making this request' }),
  createdKeys: Type.Integer({ description: 'Live access keys issued under this session (ending it can revoke them)' })
}, { $id: 'AdminSession' })

const EndQuery = Type.Object({
  revokeKeys: Type.Boolean({ default: false, description: 'Also revoke the live access keys the ended sessions issued' })
})
const EndedKeys = {
  keys: Type.Array(AccessKeyView, { description: 'Live access keys the ended sessions issued: revoked now when revokeKeys=true, otherwise offered for revocation' }),
  keysRevoked: Type.Boolean()
}

const docs = { tags: ['admin: single sign-on'] }
/**
 * Admin sessions from single sign-on that are still live (signed in, unexpired, not ended): list them, end one
 * (someone left the team, a laptop was lost) or all of them, optionally revoking the access keys they issued.
 * Ended sessions are refused by every replica at once. Each change and its audit line commit together.
 */
const sessions: FastifyPluginAsyncTypebox = async (app) => {
  /** Ends the sessions (all when `ids` is undefined) and, if asked, the keys they issued; answers what it did. */
  const end = async (request: FastifyRequest, ids: string[] | undefined, revokeKeys: boolean) => await app.audited(request, async (store) => {
    const ended = await app.adminSessions.revoke(ids, store.adminSessions)
    if (ids !== undefined && ended.length === 0) throw new NotFoundError('no live admin session with this id')
    const keys = await keysOf(store, ended, revokeKeys)
    const details = { revoked: ended.length, keys: keys.map((k) => k.id), keysRevoked: revokeKeys }
    const audit = ids === undefined
      ? { action: 'admin.sessions_revoked', targetType: 'admin_session', targetId: null, details }
      : { action: 'admin.session_revoked', targetType: 'admin_session', targetId: ended[0] ?? null, details }
    return { result: { revoked: ended.length, keys: keys.map((k) => accessKeyView(k)), keysRevoked: revokeKeys }, audit }
  })
  const keysOf = async (store: StoreTransaction, sessionIds: string[], revoke: boolean) => {
    const issued = await store.accessKeys.activeCreatedBySessions(sessionIds, new Date().toISOString())
    if (!revoke) return issued
    const revoked = []
    for (const key of issued) revoked.push(await app.accessKeys.revoke(key.id, store.accessKeys) ?? key)
    return revoked
  }

  app.get('/', {
    schema: { ...docs, summary: 'Live admin sessions, newest first', response: { 200: Type.Object({ items: Type.Array(AdminSession) }) } }
  }, async (request) => {
    const current = request.principal?.sessionId
    const live = await app.adminSessions.list()
    const keys = await app.store.accessKeys.activeCreatedBySessions(live.map((s) => s.id), new Date().toISOString())
    const createdKeys = (id: string): number => keys.filter((k) => k.createdBySession === id).length
    return { items: live.map((s) => ({ ...s, current: s.id === current, createdKeys: createdKeys(s.id) })) }
  })

  app.delete('/:id', {
    schema: {
      ...docs,
      summary: 'End one admin session now; lists the keys it issued, and revokes them too with revokeKeys=true',
      params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) }),
      querystring: EndQuery,
      response: { 200: Type.Object({ id: Type.String(), ...EndedKeys }), ...errorResponses(400, 404) }
    }
  }, async (request) => {
    const { keys, keysRevoked } = await end(request, [request.params.id], request.query.revokeKeys)
    return { id: request.params.id, keys, keysRevoked }
  })

  app.delete('/', {
    schema: {
      ...docs,
      summary: 'End every admin session now (everyone signs in again; admin keys are not affected unless revokeKeys=true revokes those the sessions issued)',
      querystring: EndQuery,
      response: { 200: Type.Object({ revoked: Type.Integer({ description: 'Sessions ended' }), ...EndedKeys }), ...errorResponses(400) }
    }
  }, async (request) => await end(request, undefined, request.query.revokeKeys))
}

export default sessions
