import fp from 'fastify-plugin'
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { errorBodyFor } from '#protocols/error-shape.js'
import { isOpenAIPath, openAIErrorBody } from '#protocols/openai/errors.js'
import { StoreUnavailableError, UNAUTHORIZED_BODY, reasonFor, statusOf as statusFor } from '#errors.js'
import { isStoreClosedError } from '#store/index.js'

/** Value of WWW-Authenticate for a 401 (RFC 6750): the error attribute only when a token was presented. */
export function wwwAuthenticate (request: FastifyRequest, insufficientScope = false): string {
  if (request.headers.authorization === undefined) return 'Bearer realm="hubgate"'
  return `Bearer realm="hubgate", error="${insufficientScope ? 'insufficient_scope' : 'invalid_token'}"`
}

export function sendUnauthorized (request: FastifyRequest, reply: FastifyReply, insufficientScope = false): FastifyReply {
  return reply.code(401).header('www-authenticate', wwwAuthenticate(request, insufficientScope)).send(UNAUTHORIZED_BODY)
}

/**
 * One place maps every error to `{ error, message }`. 401s are always the seeds' exact body;
 * 5xx from unknown causes say nothing about internals (they are logged with the request id instead).
 * A store that cannot be reached arrives here from any route as StoreUnavailableError (store/unreachable.ts),
 * so it answers the same 503 as authentication does, never a 500 naming the driver's error; so does a store already
 * closed (shutdown) under a request still running.
 */
export default fp(async (app) => {
  app.setErrorHandler((error: FastifyError & { insufficientScope?: boolean }, request, reply) => {
    const err: typeof error = isStoreClosedError(error) ? new StoreUnavailableError({ cause: error }) : error
    const status = statusOf(err)
    if (status === 401) return sendUnauthorized(request, reply, err.insufficientScope === true)
    if (status === 429 || status === 503) {
      const retryAfter = (err as { retryAfter?: unknown }).retryAfter
      if (retryAfter !== undefined) reply.header('retry-after', String(retryAfter))
    }
    if (status >= 500) {
      if (TRANSIENT.has(err.code)) request.log.warn({ err }, 'request failed')
      else request.log.error({ err }, 'request failed')
      // our own errors (code HUB_*) carry messages written for clients; anything else stays private
      const message = err.code?.startsWith('HUB_') === true ? err.message : 'The gateway hit an internal error; it has been logged.'
      return reply.code(status).send(errorBodyFor(request, status, reasonFor(status), message, err))
    }
    return reply.code(status).send(errorBodyFor(request, status, reasonFor(status), clientMessage(err), err))
  })

  app.setNotFoundHandler((request, reply) => {
    const message = `Route ${request.method} ${request.url.split('?')[0] ?? ''} not found`
    // OpenAI clients configured with a /v1 base URL read OpenAI's shape
    reply.code(404).send(isOpenAIPath(request.url) ? openAIErrorBody(404, message, { code: 'HUB_ROUTE_NOT_FOUND' }) : { error: 'Not Found', message })
  })
}, { name: 'errors' })

/**
 * 5xx answers that are not the gateway's fault and heal on their own: a provider failing, timing out or behind an
 * open circuit, or load shedding. They log at warn, so an outage upstream does not flood the error level, which is
 * left to what needs an operator (a rejected provider credential, the store or Redis unreachable, a bug).
 */
const TRANSIENT = new Set(['HUB_UPSTREAM_FAILED', 'HUB_UPSTREAM_TIMEOUT', 'HUB_PROVIDER_UNAVAILABLE', 'HUB_OVERLOADED'])

function statusOf (err: FastifyError): number {
  return err.validation !== undefined ? 400 : statusFor(err)
}

function clientMessage (err: FastifyError): string {
  if (err.validation !== undefined) return validationMessage(err)
  // Fastify says only "Unsupported Media Type"; JSON is the one body type the gateway parses (plugins/app/json-body.ts)
  if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return 'Send the body as JSON, with Content-Type: application/json.'
  // Fastify's own parser errors are written for clients; trim the code prefix some of them carry
  return err.message.replace(/^FST_[A-Z_]+:\s*/, '')
}

/**
 * The first schema violation, naming the field (`body/scopes/0 must be one of: chat, …`). Ajv's own
 * messages leave out the offending name for unknown fields and list every branch of a union.
 */
function validationMessage (err: FastifyError): string {
  const first = err.validation?.[0]
  if (first === undefined) return err.message
  const where = `${err.validationContext ?? 'request'}${first.instancePath}`
  const params = first.params as { additionalProperty?: string, allowedValues?: unknown[] }
  if (first.keyword === 'additionalProperties') return `${where}/${String(params.additionalProperty)} is not a known field`
  if (first.keyword === 'enum') return `${where} must be one of: ${(params.allowedValues ?? []).join(', ')}`
  return `${where} ${first.message ?? 'is invalid'}`
}
