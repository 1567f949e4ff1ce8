import type { FastifySchemaCompiler } from 'fastify'
import type { TSchema, TUnion } from '@sinclair/typebox'
import { TypeCompiler } from '@sinclair/typebox/compiler'

type BodyCheck = (value: unknown) => { value: unknown } | { error: never }

// one compiled check per schema object: /v1 and the root re-register the same routes
const checks = new WeakMap<TSchema, BodyCheck>()

/** TypeBox's compiled check of `schema`, failing with its first error (a schema's `errorMessage` replacing the generic text). */
function compiledCheck (schema: TSchema): BodyCheck {
  const cached = checks.get(schema)
  if (cached !== undefined) return cached
  const check = TypeCompiler.Compile(schema)
  const bodyCheck: BodyCheck = (value) => {
    if (check.Check(value)) return { value }
    const first = check.Errors(value).First()
    const custom = (first?.schema as { errorMessage?: unknown } | undefined)?.errorMessage
    const message = typeof custom === 'string' ? custom : (first?.message ?? 'is invalid').replace(/^Expected/, 'expected')
    return { error: [{ instancePath: first?.path ?? '', message }] as never }
  }
  checks.set(schema, bodyCheck)
  return bodyCheck
}

/** `compile()`'s check, compiled on the first request like the response serializers (http/schema-compilers.ts): start-up stays short. */
function onFirstUse (compile: () => BodyCheck): BodyCheck {
  let check: BodyCheck | undefined
  return (value) => (check ??= compile())(value)
}

/**
 * Validates a JSON body with TypeBox's compiled checker instead of Ajv: no type coercion (Ajv's would
 * turn `null` into "" inside unions and rewrite data while trying branches), and a schema may carry
 * `errorMessage` to replace the generic text of its failures ("Expected union value").
 */
export const strictBodyValidator: FastifySchemaCompiler<any> = ({ schema }) => onFirstUse(() => compiledCheck(schema as TSchema))

/**
 * As strictBodyValidator, for a body that is one of a union's object schemas, told apart by a property only that
 * branch has (`keys[i]` selects branch i): the caller gets the chosen branch's own precise error, not "expected
 * union value"; a body with none of the keys gets the union's `errorMessage`.
 */
export function keyedUnionValidator (keys: readonly string[]): FastifySchemaCompiler<any> {
  return ({ schema }) => onFirstUse(() => {
    const union = schema as TUnion
    const branches = union.anyOf.map(compiledCheck)
    const neither = [{ instancePath: '', message: String(union.errorMessage ?? 'matches none of the accepted bodies') }] as never
    return (value: unknown) => {
      const index = value !== null && typeof value === 'object' ? keys.findIndex((key) => key in value) : -1
      const branch = branches[index]
      return branch === undefined ? { error: neither } : branch(value)
    }
  })
}
