import createError, { type FastifyError } from '@fastify/error'

/*
 * Errors of the provider layer. All are HUB_* so their messages (written for clients, never carrying
 * credentials or upstream URLs) reach the client even for 5xx; the one error handler shapes the body.
 */
export const UnknownModelError = createError('HUB_UNKNOWN_MODEL', '%s', 400)
export const ProviderNotConfiguredError = createError('HUB_PROVIDER_NOT_CONFIGURED', '%s', 400)
export const UnsupportedRequestError = createError('HUB_UNSUPPORTED_REQUEST', '%s', 400)
/** The provider refused the request itself (its 400, 404, 409, 413, 422): same status, the provider's message. */
export const UpstreamRejectedError = createError('HUB_UPSTREAM_REJECTED', '%s', 400)
export const UpstreamRateLimitedError = createError('HUB_UPSTREAM_RATE_LIMITED', '%s', 429)
/** The provider refused the gateway's credential: the gateway's problem, so 502 and never 401. */
export const UpstreamAuthError = createError('HUB_UPSTREAM_AUTH', '%s', 502)
export const UpstreamFailedError = createError('HUB_UPSTREAM_FAILED', '%s', 502)
export const UpstreamTimeoutError = createError('HUB_UPSTREAM_TIMEOUT', '%s', 504)
/** Every provider that could serve the call has its circuit breaker open (providers/circuit-breaker.ts); carries retryAfter. */
export const ProviderUnavailableError = createError('HUB_PROVIDER_UNAVAILABLE', '%s', 503)

/** `type` of the SSE error event (and of AIGNE-style error bodies) for an error from this layer. */
export function errorType (err: unknown): string {
  switch ((err as FastifyError | undefined)?.code) {
    case 'HUB_UNKNOWN_MODEL':
    case 'HUB_PROVIDER_NOT_CONFIGURED':
    case 'HUB_UNSUPPORTED_REQUEST':
    case 'HUB_UPSTREAM_REJECTED':
    case 'HUB_BAD_REQUEST':
      return 'invalid_request_error'
    case 'HUB_UPSTREAM_RATE_LIMITED': return 'rate_limit_error'
    case 'HUB_UPSTREAM_TIMEOUT': return 'timeout_error'
    default: return 'upstream_error'
  }
}

const GENERIC = 'The provider failed while answering; try again.'

/** Client-safe message of any error thrown by an adapter (non-HUB errors say nothing about internals). */
export function clientMessage (err: unknown): string {
  const e = err as FastifyError | undefined
  return typeof e?.code === 'string' && e.code.startsWith('HUB_') ? e.message : GENERIC
}

/** HTTP status the client gets for an error (500 for anything unexpected, as the error handler answers). */
export function statusOf (err: unknown): number {
  const status = (err as FastifyError | undefined)?.statusCode
  return typeof status === 'number' && status >= 400 && status < 600 ? status : 500
}

/** The client went away before the answer; nobody reads this, metrics count it as 499 (nginx's "client closed request"). */
export const ClientClosedError = createError('HUB_CLIENT_CLOSED', 'The client closed the request.', 499)
