import type { FastifyError } from 'fastify'
import { errorType } from '#errors.js'

/** `type` of an AIGNE-shaped error, in OpenAI's vocabulary, which the AIGNE client passes on as `err.type`. */
export function aigneErrorType (status: number, err: Partial<FastifyError>): string {
  if (err.code?.startsWith('HUB_UPSTREAM') === true) return errorType(err)
  if (status === 404) return 'not_found_error'
  if (status === 429) return 'rate_limit_error'
  if (status === 504) return 'timeout_error'
  if (status >= 500) return 'api_error'
  return 'invalid_request_error'
}

/** The AIGNE and AI Kit clients show `error.message`: `{ error: { message, type }, message }`. */
export function aigneErrorBody (status: number, message: string, err: Partial<FastifyError>): object {
  return { error: { message, type: aigneErrorType(status, err) }, message }
}
