import { Type, type TSchema } from '@sinclair/typebox'
import { ErrorBody } from './error.js'

const NullableString = (description: string): TSchema => Type.Unsafe<string | null>({ type: 'string', nullable: true, description })

/** OpenAI's error body (protocols/openai/errors.ts writes it): what OpenAI's SDKs, LangChain and the Vercel AI SDK read. */
export const OpenAIErrorBody = Type.Object({
  error: Type.Object({
    message: Type.String(),
    type: Type.String({ description: 'invalid_request_error (400, 404, 413, …), insufficient_quota (402), rate_limit_error (429), api_error (5xx)' }),
    param: NullableString('The offending request field for a validation error (`messages.[0].role`), else null'),
    code: NullableString('OpenAI\'s code where it has one (model_not_found, insufficient_quota, rate_limit_exceeded, unknown_url, ' +
      'missing_required_parameter, …), else the gateway\'s HUB_* code, else null')
  }),
  message: Type.String({ description: 'error.message again, for readers of the gateway\'s standard body' })
}, { $id: 'OpenAIErrorBody', description: 'Errors of the OpenAI-compatible routes (a 401 is always the standard body)' })

/** Response schemas for error statuses of an OpenAI-shaped route: 401 keeps the standard body. */
export function openAIErrorResponses (...statuses: number[]): Record<number, TSchema> {
  return Object.fromEntries(statuses.map((s) => [s, s === 401 ? ErrorBody : OpenAIErrorBody]))
}
