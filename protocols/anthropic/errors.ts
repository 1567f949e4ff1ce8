import type { FastifyError } from 'fastify'

/**
 * `type` of an Anthropic-shaped error (Anthropic's vocabulary, which @anthropic-ai/sdk and Claude Code read). The gateway
 * keeps its own statuses (a 503 stays a 503, not Anthropic's 529); only the type names them Anthropic's way.
 */
export function anthropicErrorType (status: number, err: Partial<FastifyError>): string {
  if (err.code === 'HUB_OVERLOADED' || err.code === 'HUB_PROVIDER_UNAVAILABLE') return 'overloaded_error'
  switch (status) {
    case 402: return 'billing_error'
    case 403: return 'permission_error'
    case 404: return 'not_found_error'
    case 413: return 'request_too_large'
    case 429: return 'rate_limit_error'
    case 503: return 'overloaded_error'
    case 504: return 'timeout_error'
    default: return status >= 500 ? 'api_error' : 'invalid_request_error'
  }
}

/** `{"type":"error","error":{"type","message"}}`: the body of every error on the Anthropic-compatible routes but the 401. */
export function anthropicErrorBody (status: number, message: string, err: Partial<FastifyError>): object {
  return { type: 'error', error: { type: anthropicErrorType(status, err), message } }
}
