import createError, { type FastifyError } from '@fastify/error'

/** The seeds' exact 401 body: every authentication or permission failure answers with it, byte for byte. */
export const UNAUTHORIZED_BODY = Object.freeze({
  error: 'Unauthorized',
  message: 'Authentication token is invalid or missing.'
})

export const UnauthorizedError = createError('HUB_UNAUTHORIZED', UNAUTHORIZED_BODY.message, 401)
const StoreUnavailable = createError('HUB_STORE_UNAVAILABLE', 'The gateway cannot reach its store right now; try again shortly.', 503)
/** The store (SQLite file, Postgres) cannot answer; clients are told to retry after a second (Retry-After: 1). */
export class StoreUnavailableError extends StoreUnavailable {
  readonly retryAfter = 1
}
export const OverloadedError = createError('HUB_OVERLOADED', 'The gateway is overloaded; retry shortly.', 503)
export const NotFoundError = createError('HUB_NOT_FOUND', '%s', 404)
export const BadRequestError = createError('HUB_BAD_REQUEST', '%s', 400)
export const UnsupportedMediaTypeError = createError('HUB_UNSUPPORTED_MEDIA_TYPE', '%s', 415)
export const ConflictError = createError('HUB_CONFLICT', '%s', 409)
/** An admin denied the `aigne hub connect` session the CLI polls. */
export const ConnectDeniedError = createError('HUB_CONNECT_DENIED', 'An administrator denied this connection request.', 403)
const ConnectSessionsFull = createError('HUB_CONNECT_SESSIONS_FULL', 'Too many connection requests are waiting for approval; try again in a few minutes.', 503)
/** CONNECT_SESSIONS_MAX unexpired sessions exist: a flood of opens cannot fill the store. */
export class ConnectSessionsFullError extends ConnectSessionsFull {
  readonly retryAfter = 60
}

/** HTTP reason phrases used as the `error` field of every error body. */
export const REASONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  402: 'Payment Required',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  408: 'Request Timeout',
  409: 'Conflict',
  411: 'Length Required',
  413: 'Payload Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Entity',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout'
}

/** A configuration the server cannot start with: server.ts exits 78 (EX_CONFIG) with its message. */
export class ConfigError extends Error {
  override name = 'ConfigError'
}

export function reasonFor (status: number): string {
  return REASONS[status] ?? (status >= 500 ? 'Internal Server Error' : 'Bad Request')
}
export const CreditsExhaustedError = createError('HUB_CREDITS_EXHAUSTED', '%s', 402)
export const UnpricedModelError = createError('HUB_UNPRICED_MODEL', 'Model %s has no price in the catalog, and this gateway refuses unpriced models%s. Ask an administrator to set its rates.', 402)
/** A request field that changes the provider's price in a way the catalog cannot price, sent with a budgeted key. */
export const UnpriceableFieldError = createError('HUB_UNPRICEABLE_FIELD', '%s', 400)
export const TokenRateLimitedError = createError('HUB_TOKEN_RATE_LIMITED', '%s', 429)
/** 429 for a key whose every concurrent-call slot is taken; carries retryAfter (a slot frees when a call ends). */
export const ConcurrencyLimitedError = createError('HUB_CONCURRENCY_LIMITED', '%s', 429)
export const BudgetUnavailableError = createError('HUB_BUDGET_UNAVAILABLE', 'The gateway cannot check this key\'s credit budget right now; try again shortly.', 503)
/** The audit line of an admin change could not be written, so the change was not made (or, for `audit`, the event not recorded). */
export const AuditUnavailableError = createError('HUB_AUDIT_UNAVAILABLE', '%s', 503)

/*
 * Errors of the provider layer. All are HUB_* so their messages (written for clients, never carrying
 * credentials or upstream URLs) reach the client even for 5xx; the one error handler shapes the body.
 */
export const UnknownModelError = createError('HUB_UNKNOWN_MODEL', '%s', 400)
/** A bare model name (no `provider/`) that no catalog alias or provider model list names. */
export const ModelNotFoundError = createError('HUB_MODEL_NOT_FOUND', '%s', 404)
export const ProviderNotConfiguredError = createError('HUB_PROVIDER_NOT_CONFIGURED', '%s', 400)
export const UnsupportedRequestError = createError('HUB_UNSUPPORTED_REQUEST', '%s', 400)
/** The provider refused the request itself (its 400, 404, 409, 413, 422): same status, the provider's message. */
export const UpstreamRejectedError = createError('HUB_UPSTREAM_REJECTED', '%s', 400)
export const UpstreamRateLimitedError = createError('HUB_UPSTREAM_RATE_LIMITED', '%s', 429)
/** The provider refused the gateway's credential: the gateway's problem, so 502 and never 401. */
export const UpstreamAuthError = createError('HUB_UPSTREAM_AUTH', '%s', 502)
export const UpstreamFailedError = createError('HUB_UPSTREAM_FAILED', '%s', 502)
export const UpstreamTimeoutError = createError('HUB_UPSTREAM_TIMEOUT', '%s', 504)
/**
 * A video job the provider accepted failed or was not done in time: neither retried nor handed to a fallback (the
 * provider bills the job it started; another attempt would start and bill a second one).
 */
export const UpstreamJobFailedError = createError('HUB_UPSTREAM_JOB_FAILED', '%s', 502)
export const UpstreamJobTimeoutError = createError('HUB_UPSTREAM_JOB_TIMEOUT', '%s', 504)
/** Every provider that could serve the call has its circuit breaker open (gateway/circuit-breaker.ts); carries retryAfter. */
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
    case 'HUB_UPSTREAM_TIMEOUT':
    case 'HUB_UPSTREAM_JOB_TIMEOUT':
      return 'timeout_error'
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
