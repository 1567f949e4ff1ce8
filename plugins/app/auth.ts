import { randomBytes } from 'node:crypto'
import fp from 'fastify-plugin'
import fastifyAuth from '@fastify/auth'
import bearerAuth from '@fastify/bearer-auth'
import fastifyJwt from '@fastify/jwt'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { StoreUnavailableError, UnauthorizedError } from '#errors.js'
import { principalFromJwt, serviceTokenRefusal } from '#keys/jwt-principal.js'
import { jwtVerification } from '#keys/jwt-settings.js'
import { SESSION_PREFIX } from '#admin-sso/admin-session.js'
import { isOpenAIPath } from '#protocols/openai/errors.js'
import type { Principal, Scope } from '#schemas/principal.js'
import type { Config } from '#config.js'

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal
    /** Set when the store could not answer during authentication, so the hook answers 503, not 401. */
    authStoreFailed?: boolean
    /** The key came as `x-api-key` (useApiKeyHeader below). */
    apiKeyHeader?: boolean
  }
  interface FastifyContextConfig {
    /** Reachable without credentials (health, discovery, docs). */
    public?: boolean
    /** Scope the caller must hold. */
    scope?: Scope
    /** The key may also come as `x-api-key` (Anthropic's clients send it so); only routes that set this take it. */
    apiKeyHeader?: boolean
  }
}

// RFC 6750 b64token after a case-insensitive scheme and exactly one space: no tabs, no inner spaces
const WELL_FORMED = /^bearer [A-Za-z0-9\-._~+/]+=*$/i
const BEARER = 'bearer '
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/

/**
 * Authentication is one onRequest hook for every non-public route: a valid access key in the cache is
 * accepted at once; anything else goes to @fastify/auth, which tries the access key (bearer-auth, loading
 * it from the store) and then a service JWT; any failure becomes the seeds' exact 401.
 */
export default fp(async (app) => {
  const jwt = jwtEnabled(app.config)
  /** A JWT-shaped token when service JWTs are on: it is for verifyJwt, never an access key. */
  const forJwt = (token: string): boolean => jwt && JWT_SHAPE.test(token)
  await app.register(fastifyAuth)
  await app.register(bearerAuth, {
    keys: new Set<string>(),
    addHook: false,
    specCompliance: 'rfc6749', // scheme compared case-insensitively
    verifyErrorLogLevel: 'debug',
    auth: async (token: string, request: FastifyRequest) => {
      // an admin session from single sign-on (plugins/app/admin-sso.ts); JWT-shaped, so checked first
      if (forJwt(token) && !token.startsWith(SESSION_PREFIX)) return false
      try {
        // an admin session from single sign-on (plugins/app/admin-sso.ts) is JWT-shaped: told apart by its prefix
        request.principal = token.startsWith(SESSION_PREFIX) ? await app.adminSessions.verify(token) : await app.accessKeys.authenticate(token)
      } catch (err) {
        if (!(err instanceof StoreUnavailableError)) throw err
        request.authStoreFailed = true
        return false
      }
      return request.principal !== undefined
    }
  })
  await registerJwt(app)

  const policy = { maxLifetimeSeconds: app.config.JWT_MAX_LIFETIME_SECONDS, allowAdmin: app.config.JWT_ALLOW_ADMIN }
  const verifyJwt = async (request: FastifyRequest): Promise<void> => {
    if (!jwt) throw new UnauthorizedError()
    const claims = await request.jwtVerify<Record<string, unknown>>()
    const principal = principalFromJwt(claims)
    const refusal = serviceTokenRefusal(claims, principal.scopes, policy)
    if (refusal !== undefined) {
      // validly signed, so the issuer is misconfigured or a token leaked: the operator should hear of it
      request.log.warn({ subject: principal.name, reason: refusal }, 'service JWT refused')
      throw new UnauthorizedError()
    }
    request.principal = principal
  }
  const composite = app.auth([app.verifyBearerAuth!, verifyJwt])

  app.addHook('onRequest', (request, reply, done) => {
    const rule = request.routeOptions.config
    if (rule.public === true) return done()
    // unknown paths outside the API say 404 to anyone; inside it (/api/, and /v1/ where OpenAI clients point) nothing is revealed without a key
    if (request.is404 && !request.url.startsWith('/api/') && !isOpenAIPath(request.url)) return done()
    if (rule.apiKeyHeader === true) useApiKeyHeader(request)
    if (!singleWellFormedAuthorization(request)) return done(new UnauthorizedError())
    const authorized = (): void => {
      if (rule.scope !== undefined && request.principal?.scopes.has(rule.scope) !== true) {
        return done(Object.assign(new UnauthorizedError(), { insufficientScope: true }))
      }
      done()
    }
    // a valid access key already in the cache needs neither the composite nor a promise: the common case
    const token = (request.headers.authorization as string).slice(BEARER.length)
    if (!token.startsWith(SESSION_PREFIX) && !forJwt(token)) {
      request.principal = app.accessKeys.authenticateCached(token)
      if (request.principal !== undefined) return authorized()
    }
    composite.call(app, request, reply, (err?: Error) => {
      if (request.authStoreFailed === true) return done(new StoreUnavailableError())
      if (err !== undefined && err !== null) {
        request.principal = undefined
        return done(new UnauthorizedError({ cause: err }))
      }
      if (request.principal === undefined) return done(new UnauthorizedError())
      authorized()
    })
  })
}, { name: 'auth', dependencies: ['access-keys', 'admin-sso', 'errors'] })

function singleWellFormedAuthorization (request: FastifyRequest): boolean {
  const header = request.headers.authorization
  if (typeof header !== 'string' || !WELL_FORMED.test(header)) return false
  // Node keeps only the first of repeated Authorization headers; a second one is an ambiguity we refuse
  return rawHeaderCount(request, 'authorization') === 1 || (request.apiKeyHeader === true && rawHeaderCount(request, 'authorization') === 0)
}

function rawHeaderCount (request: FastifyRequest, name: string): number {
  const raw = request.raw.rawHeaders
  let seen = 0
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i]?.length === name.length && raw[i]?.toLowerCase() === name) seen++
  }
  return seen
}

/**
 * On a route that takes `x-api-key` and a request without Authorization: the key, exactly once, becomes the bearer
 * token every verifier reads (Authorization wins when both are sent). Anything malformed is left for the 401.
 */
function useApiKeyHeader (request: FastifyRequest): void {
  const key = request.headers['x-api-key']
  if (request.headers.authorization !== undefined || typeof key !== 'string' || rawHeaderCount(request, 'x-api-key') !== 1) return
  request.headers.authorization = `Bearer ${key}`
  request.apiKeyHeader = true
}

function jwtEnabled (config: Config): boolean {
  return config.JWT_SECRET !== undefined || config.JWT_PUBLIC_KEY !== undefined
}

async function registerJwt (app: FastifyInstance): Promise<void> {
  const { JWT_ISSUER, JWT_AUDIENCE } = app.config
  // refuses (ConfigError, exit 78) a key whose kind does not match the algorithms: no algorithm confusion
  const verification = jwtVerification(app.config)
  await app.register(fastifyJwt, {
    // without JWT settings the plugin still needs a secret; verifyJwt refuses before it is ever used
    secret: verification?.secret ?? randomBytes(32),
    verify: {
      algorithms: (verification?.algorithms ?? ['HS256']) as never,
      // fast-jwt checks iss/aud only when present, so a configured one must also be required; iat bounds the lifetime (verifyJwt)
      requiredClaims: ['exp', 'iat', ...(JWT_ISSUER !== undefined ? ['iss'] : []), ...(JWT_AUDIENCE !== undefined ? ['aud'] : [])],
      ...(JWT_ISSUER !== undefined ? { allowedIss: JWT_ISSUER } : {}),
      ...(JWT_AUDIENCE !== undefined ? { allowedAud: JWT_AUDIENCE } : {})
    }
  })
}
