import createError from '@fastify/error'

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

export function reasonFor (status: number): string {
  return REASONS[status] ?? (status >= 500 ? 'Internal Server Error' : 'Bad Request')
}
export const CreditsExhaustedError = createError('HUB_CREDITS_EXHAUSTED', '%s', 402)
export const UnpricedModelError = createError('HUB_UNPRICED_MODEL', 'Model %s has no price in the catalog, and this gateway refuses unpriced models%s. Ask an administrator to set its rates.', 402)
/** A request field that changes the provider's price in a way the catalog cannot price, sent with a budgeted key. */
export const UnpriceableFieldError = createError('HUB_UNPRICEABLE_FIELD', '%s', 400)
export const TokenRateLimitedError = createError('HUB_TOKEN_RATE_LIMITED', '%s', 429)
