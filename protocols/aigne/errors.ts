import type { FastifyError, FastifyRequest } from 'fastify'
import { errorType } from '#errors.js'

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * 'aigne': the route serves the AIGNE or AI Kit families, whose clients show `error.message`; the one
     * error handler then nests the message as `{ error: { message, type }, message }` (401 excepted).
     * 'anthropic': Anthropic's `{ type: 'error', error: { type, message } }` (protocols/anthropic/errors.ts).
     */
    errorShape?: 'aigne' | 'openai' | 'anthropic'
  }
}

/** `type` of an AIGNE-shaped error, in OpenAI's vocabulary, which the AIGNE client passes on as `err.type`. */
export function aigneErrorType (status: number, err: Partial<FastifyError>): string {
  if (err.code?.startsWith('HUB_UPSTREAM') === true) return errorType(err)
  if (status === 404) return 'not_found_error'
  if (status === 429) return 'rate_limit_error'
  if (status === 504) return 'timeout_error'
  if (status >= 500) return 'api_error'
  return 'invalid_request_error'
}

/** The error body for `request`: the standard `{ error, message }`, or the AIGNE shape when the route asks for it. */
export function errorBodyFor (request: FastifyRequest, status: number, reason: string, message: string, err: Partial<FastifyError>): object {
  if (request.routeOptions.config?.errorShape !== 'aigne') return { error: reason, message }
  return { error: { message, type: aigneErrorType(status, err) }, message }
}
