import { Type, type Static, type TSchema } from '@sinclair/typebox'

export const ErrorBody = Type.Object({
  error: Type.String({ description: 'HTTP reason phrase, e.g. "Unauthorized"' }),
  message: Type.String({ description: 'What went wrong, readable by a person' })
}, { $id: 'ErrorBody', description: 'Every error the gateway returns has this shape' })

export type ErrorBodyType = Static<typeof ErrorBody>

/** Response schemas for the error statuses a route can return. */
export function errorResponses (...statuses: number[]): Record<number, typeof ErrorBody> {
  return Object.fromEntries(statuses.map((s) => [s, ErrorBody]))
}

/** Response schemas for a route whose errors take a client family's shape (`body`); its 401 keeps the standard body. */
export function shapedErrorResponses (body: TSchema, statuses: readonly number[]): Record<number, TSchema> {
  return Object.fromEntries(statuses.map((s) => [s, s === 401 ? ErrorBody : body]))
}
