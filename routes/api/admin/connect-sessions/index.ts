import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { AccessKeyView, CreateAccessKeyBody } from '#schemas/access-keys.js'
import { ConnectSessionDenied, ConnectSessionQuery, ConnectSessionView } from '#schemas/connect.js'
import { errorResponses } from '#schemas/error.js'
import { actorOf } from '#plugins/app/audit.js'
import { accessKeyView } from '../access-keys/index.js'

const tags = ['admin: aigne connect']

/**
 * The admin side of `aigne hub connect` (the approval page at /admin/connect calls these): see a session, approve it
 * with the key's scopes, models and limits (the key is named after the app), or deny it. Both are audited. The session
 * id travels as `?sid=`, which the logs redact: whoever holds it can collect the approved key.
 */
const connectSessions: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/', {
    schema: {
      tags, summary: 'A connect session and the defaults proposed for its key',
      querystring: ConnectSessionQuery,
      response: { 200: ConnectSessionView, ...errorResponses(400, 404) }
    }
  }, async (request) => {
    const session = await app.connectSessions.describe(request.query.sid)
    return { status: session.status, expiresAt: session.expiresAt, keyId: session.keyId, defaults: app.connectKeyDefaults }
  })

  app.post('/approve', {
    schema: {
      tags, summary: 'Approve: creates the key (name = the app\'s name) that the waiting CLI collects; never returns its secret',
      querystring: ConnectSessionQuery,
      body: CreateAccessKeyBody,
      response: { 201: AccessKeyView, ...errorResponses(400, 404, 409) }
    }
  }, async (request, reply) => {
    const createdBy = actorOf(request.principal)
    const key = await app.audited(request, async (store) => {
      const key = await app.connectSessions.approve(request.query.sid, {
        ...app.connectKeyDefaults, ...request.body, createdBy, createdBySession: request.principal?.sessionId ?? null
      }, store)
      const limits = { creditLimit: key.creditLimit, creditPeriod: key.creditPeriod, rpm: key.rpm, tpm: key.tpm, maxConcurrent: key.maxConcurrent }
      return {
        result: key,
        audit: { action: 'access_key.created', targetType: 'access_key', targetId: key.id, details: { via: 'aigne hub connect', approvedBy: createdBy, name: key.name, scopes: key.scopes, models: key.models, ...limits } }
      }
    })
    return await reply.code(201).send(accessKeyView(key))
  })

  app.post('/deny', {
    schema: {
      tags, summary: 'Deny: the waiting CLI is told so (403) and no key is created',
      querystring: ConnectSessionQuery,
      response: { 200: ConnectSessionDenied, ...errorResponses(400, 404, 409) }
    }
  }, async (request) => {
    await app.audited(request, async (store) => {
      await app.connectSessions.deny(request.query.sid, store)
      return { result: undefined, audit: { action: 'connect_session.denied', targetType: 'connect_session', targetId: null } }
    })
    return { status: 'denied' as const }
  })
}

export default connectSessions
