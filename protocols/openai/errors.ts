import type { FastifyError } from 'fastify'
import { clientMessage, statusOf } from '#errors.js'

/**
 * OpenAI's error body, `{ error: { message, type, param, code }, message }` (the top-level `message` for clients
 * that read only that). OpenAI's SDKs pick the error class by status and show `error.message`; LangChain and the
 * Vercel AI SDK read `type` and `code` too.
 */
export function openAIErrorBody (status: number, message: string, err: Partial<FastifyError>): object {
  return { error: { message, type: openAIErrorType(status), param: paramOf(err), code: openAICode(status, err) }, message }
}

/** The `error` of the event that ends an OpenAI stream failing after it started, as OpenAI's own streams send it. */
export function openAIStreamError (err: unknown): { message: string, type: string, param: null, code: string | null } {
  const e = err as Partial<FastifyError>
  return { message: clientMessage(err), type: openAIErrorType(statusOf(err)), param: null, code: openAICode(statusOf(err), e) }
}

/** `type` as OpenAI's API sends it (a 404 for an unknown model or URL is an `invalid_request_error` there too). */
export function openAIErrorType (status: number): string {
  if (status === 402) return 'insufficient_quota'
  if (status === 429) return 'rate_limit_error'
  if (status >= 500) return 'api_error'
  return 'invalid_request_error'
}

/** OpenAI's own code where it has one for the case; else the gateway's stable HUB_* code; else null. */
const OPENAI_CODES: Readonly<Record<string, string>> = {
  HUB_MODEL_NOT_FOUND: 'model_not_found',
  HUB_CREDITS_EXHAUSTED: 'insufficient_quota',
  HUB_ROUTE_NOT_FOUND: 'unknown_url'
}

/** Ajv keywords → OpenAI's codes for the same validation failures. */
const VALIDATION_CODES: Readonly<Record<string, string>> = {
  required: 'missing_required_parameter',
  additionalProperties: 'unknown_parameter',
  type: 'invalid_type'
}

function openAICode (status: number, err: Partial<FastifyError>): string | null {
  const first = err.validation?.[0]
  if (first !== undefined) return VALIDATION_CODES[first.keyword] ?? 'invalid_value'
  if (err.code !== undefined && OPENAI_CODES[err.code] !== undefined) return OPENAI_CODES[err.code]!
  if (err.code?.startsWith('HUB_') === true) return err.code
  // the per-key rpm limiter's 429 carries no code of ours
  return status === 429 ? 'rate_limit_exceeded' : null
}

/** The offending field of a validation failure in OpenAI's notation (`messages.[0].role`); null for other errors. */
function paramOf (err: Partial<FastifyError>): string | null {
  const first = err.validation?.[0]
  if (first === undefined || (err.validationContext !== undefined && err.validationContext !== 'body')) return null
  const params = (first.params ?? {}) as { additionalProperty?: string, missingProperty?: string }
  const segments = first.instancePath.split('/').filter((s) => s !== '')
  const named = params.additionalProperty ?? params.missingProperty
  if (named !== undefined) segments.push(named)
  if (segments.length === 0) return null
  return segments.map((s) => /^\d+$/.test(s) ? `[${s}]` : s.replace(/~1/g, '/').replace(/~0/g, '~')).join('.')
}

/** The OpenAI-style base URL (`/v1/…`): an unknown route under it answers 404 in OpenAI's shape. */
export function isOpenAIPath (url: string): boolean {
  return url.startsWith('/v1/')
}
