import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import { Type } from '@sinclair/typebox'
import { ConnectSessionDeleted, ConnectSessionOpened, ConnectSessionPoll, ConnectSessionQuery } from '#schemas/connect.js'
import { errorResponses } from '#schemas/error.js'

/*
 * Blocklet's well-known service paths, where `aigne hub connect <url>` looks for them at the origin root: a folder
 * cannot be named ".well-known" here (the build and the checks skip dot folders), so the plugin names its prefix.
 */
export const prefixOverride = '/.well-known/service'

const tags = ['aigne connect']

/** Per client IP: these routes answer before any credential exists. */
function perIp (name: string, max: number) {
  return {
    max,
    timeWindow: 60_000,
    keyGenerator: (request: FastifyRequest) => `${name}:${request.ip}`,
    errorResponseBuilder: (_request: FastifyRequest, context: { max: number, after: string }) => Object.assign(
      new Error(`Too many connection requests from this address (${context.max} a minute); retry in ${context.after}.`),
      { statusCode: 429 }
    )
  }
}

/**
 * The CLI side of `aigne hub connect`: open a session, poll it until an admin approves it in the admin UI, delete it.
 * The approval page (gen-simple-access-key) is the admin UI's /admin/connect.
 */
const wellKnownService: FastifyPluginAsyncTypebox = async (app) => {
  const opens = { public: true, rateLimit: perIp('connect-open', app.config.CONNECT_SESSIONS_PER_MINUTE) }
  const polls = { public: true, rateLimit: perIp('connect-poll', app.config.CONNECT_POLLS_PER_MINUTE) }
  const mountPoint = app.config.AIGNE_MOUNT_POINT.replace(/\/+$/, '')

  app.post('/api/access-key/session', {
    config: opens,
    schema: {
      tags, summary: 'Open an `aigne hub connect` session (no credentials; expires in 10 minutes)',
      response: { 200: ConnectSessionOpened, ...errorResponses(429, 503) }
    }
  }, async () => await app.connectSessions.open())

  app.get('/api/access-key/session', {
    config: polls,
    schema: {
      tags, summary: 'Poll a connect session: pending, or the approved key (its secret encrypted for the CLI)',
      querystring: ConnectSessionQuery,
      response: { 200: ConnectSessionPoll, ...errorResponses(400, 403, 404, 429) }
    }
  }, async (request, reply) => {
    // the answer may carry a key: no cache may keep it
    reply.header('cache-control', 'no-store')
    return await app.connectSessions.poll(request.query.sid)
  })

  app.delete('/api/access-key/session', {
    config: polls,
    schema: {
      tags, summary: 'End a connect session once its key is collected',
      querystring: ConnectSessionQuery,
      response: { 200: ConnectSessionDeleted, ...errorResponses(400, 429) }
    }
  }, async (request) => ({ deleted: await app.connectSessions.end(request.query.sid) }))

  app.get('/gen-simple-access-key', {
    config: { public: true },
    schema: {
      tags, summary: 'The approval page the CLI opens: redirects to the admin UI\'s /admin/connect with the same query',
      querystring: Type.Object({}, { additionalProperties: true }),
      response: { 302: Type.Null({ description: 'Location: the admin UI\'s approval page' }) }
    }
  }, async (request, reply) => {
    const query = request.url.indexOf('?')
    return await reply.redirect(`${mountPoint}/admin/connect${query === -1 ? '' : request.url.slice(query)}`)
  })
}

export default wellKnownService
