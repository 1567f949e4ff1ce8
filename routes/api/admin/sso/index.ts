import { Type } from '@sinclair/typebox'
import cookie from '@fastify/cookie'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { SsoError, type PendingLogin } from '#admin-sso/oidc-login.js'
import { failedSignInRecorder } from '#admin-sso/sso-audit.js'
import { NotFoundError } from '#errors.js'
import { errorResponses } from '#schemas/error.js'

const COOKIE = 'hubgate_sso'
const COOKIE_PATH = '/api/admin/sso'
const ADMIN_PAGE = '/admin/'
const tags = ['admin: single sign-on']
const LoginQuery = Type.Object({
  nonce: Type.String({ pattern: '^[A-Za-z0-9_-]{16,128}$', description: 'A random value the admin page keeps in its sessionStorage; the token comes back only with it' })
})

/**
 * Single sign-on for the admin UI. The browser goes to /login, on to the provider, back to /callback,
 * and lands on the admin page with the session token in the URL fragment (never sent to a server, so
 * it stays out of access logs), next to the nonce the page started with: the page takes only a token that
 * comes back with the nonce it keeps, moves it to sessionStorage and clears the address. Every sign-in, and
 * every failed one, is in the audit log.
 */
const sso: FastifyPluginAsyncTypebox = async (app) => {
  const enabled = app.adminSso
  if (enabled !== undefined) await app.register(cookie, { secret: enabled.cookieSecret })
  const backToAdmin = failedSignInHandler(app)

  app.get('/config', {
    config: { public: true },
    schema: { tags, summary: 'Whether the admin UI offers single sign-on', response: { 200: Type.Object({ enabled: Type.Boolean() }) } }
  }, async () => ({ enabled: enabled !== undefined }))

  app.get('/login', {
    config: { public: true },
    schema: { tags, summary: 'Start an OpenID Connect sign-in (redirects to the provider)', querystring: LoginQuery, response: errorResponses(400, 404, 502) }
  }, async (request, reply) => {
    if (enabled === undefined) throw new NotFoundError('single sign-on is not configured')
    try {
      const { url, pending } = await enabled.login.start(request.query.nonce)
      reply.setCookie(COOKIE, JSON.stringify(pending), {
        path: COOKIE_PATH, httpOnly: true, sameSite: 'lax', secure: pending.redirectUri.startsWith('https:'), signed: true, maxAge: 600
      })
      return await reply.redirect(url.href)
    } catch (err) {
      return await backToAdmin(request, reply, err, request.query.nonce)
    }
  })

  app.get('/callback', {
    config: { public: true },
    schema: { tags, summary: 'Where the provider sends the browser back', response: errorResponses(404) }
  }, async (request, reply) => {
    if (enabled === undefined) throw new NotFoundError('single sign-on is not configured')
    const pending = readPending(request)
    reply.clearCookie(COOKIE, { path: COOKIE_PATH })
    try {
      const identity = await enabled.login.finish(new URLSearchParams(request.url.split('?')[1] ?? ''), pending)
      // no session without its audit line
      const token = await app.audited(request, async (store) => {
        const { token, principal } = await app.adminSessions.issue(identity, store.adminSessions)
        request.principal = principal
        return { result: token, audit: { action: 'admin.sso_signed_in', targetType: 'admin_session', targetId: principal.sessionId ?? null, details: { email: identity.email ?? null } } }
      })
      const landing = new URLSearchParams({ sso: token, nonce: pending?.uiNonce ?? '' })
      return await reply.header('cache-control', 'no-store').redirect(`${ADMIN_PAGE}#${landing.toString()}`)
    } catch (err) {
      request.principal = undefined
      return await backToAdmin(request, reply, err, pending?.uiNonce)
    }
  })

  app.post('/logout', {
    schema: {
      tags,
      summary: 'Sign out: ends the calling admin session on every replica (nothing to end for an admin key)',
      response: { 204: Type.Null() }
    }
  }, async (request, reply) => {
    const id = request.principal?.sessionId
    if (id !== undefined) {
      await app.audited(request, async (store) => ({
        result: await app.adminSessions.revoke([id], store.adminSessions),
        audit: { action: 'admin.sso_signed_out', targetType: 'admin_session', targetId: id }
      }))
    }
    return await reply.code(204).send(null)
  })
}

function readPending (request: FastifyRequest): PendingLogin | undefined {
  const raw = request.cookies[COOKIE]
  if (raw === undefined) return undefined
  const unsigned = request.unsignCookie(raw)
  if (!unsigned.valid || unsigned.value === null) return undefined
  try {
    return JSON.parse(unsigned.value) as PendingLogin
  } catch {
    return undefined
  }
}

/**
 * A failed sign-in returns to the admin page with a reason code it can explain (and its nonce, when known); the
 * details go to the log, and a bounded, sanitized line to the audit log.
 */
function failedSignInHandler (app: FastifyInstance) {
  const record = failedSignInRecorder(app)
  return async (request: FastifyRequest, reply: FastifyReply, err: unknown, uiNonce?: string): Promise<FastifyReply> => {
    const reason = err instanceof SsoError ? err.reason : 'failed'
    request.log.warn({ err, reason }, 'admin single sign-on failed')
    await record(request, reason, err)
    const landing = new URLSearchParams({ 'sso-error': reason, ...(uiNonce !== undefined ? { nonce: uiNonce } : {}) })
    return await reply.header('cache-control', 'no-store').redirect(`${ADMIN_PAGE}#${landing.toString()}`)
  }
}

export default sso
