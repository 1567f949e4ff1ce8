import { Type, type Static } from '@sinclair/typebox'

export const ErrorBody = Type.Object({
  error: Type.String({ description: 'HTTP reason phrase, e.g. "Unauthorized"' }),
  message: Type.String({ description: 'What went wrong, readable by a person' })
}, { $id: 'ErrorBody', description: 'Every error the gateway returns has this shape' })

export type ErrorBodyType = Static<typeof ErrorBody>

/** Response schemas for the error statuses a route can return. */
export function errorResponses (...statuses: number[]): Record<number, typeof ErrorBody> {
  return Object.fromEntries(statuses.map((s) => [s, ErrorBody]))
}
