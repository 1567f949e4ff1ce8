import type { TSchema } from '@sinclair/typebox'
import { strictBodyValidator } from '#schemas/validator.js'
import { BadRequestError } from '#errors.js'

type Check = (value: unknown) => { value?: unknown, error?: Array<{ instancePath: string, message: string }> }
const compiled = new WeakMap<TSchema, Check>()

/**
 * Checks a request translated from another wire format (AIGNE, AI Kit) against the internal schema, so it
 * meets the same limits as one sent to the OpenAI-compatible route; a failure is the caller's 400.
 */
export function requireValid<T> (schema: TSchema, value: unknown, what: string): T {
  let check = compiled.get(schema)
  if (check === undefined) {
    check = strictBodyValidator({ schema } as never) as Check
    compiled.set(schema, check)
  }
  const first = check(value).error?.[0]
  if (first !== undefined) throw new BadRequestError(`${what} is invalid: ${first.instancePath === '' ? '' : `${first.instancePath.slice(1)} `}${first.message}`)
  return value as T
}

/** The entries whose value is not undefined, so optional fields stay absent rather than present-but-undefined. */
export function definedOnly<T extends Record<string, unknown>> (fields: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as { [K in keyof T]?: Exclude<T[K], undefined> }
}
