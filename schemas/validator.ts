import type { FastifySchemaCompiler } from 'fastify'
import type { TSchema } from '@sinclair/typebox'
import { TypeCompiler } from '@sinclair/typebox/compiler'

/**
 * Validates a JSON body with TypeBox's compiled checker instead of Ajv: no type coercion (Ajv's would
 * turn `null` into "" inside unions and rewrite data while trying branches), and a schema may carry
 * `errorMessage` to replace the generic text of its failures ("Expected union value").
 */
export const strictBodyValidator: FastifySchemaCompiler<any> = ({ schema }) => {
  const check = TypeCompiler.Compile(schema as TSchema)
  return (value: unknown) => {
    if (check.Check(value)) return { value }
    const first = check.Errors(value).First()
    const custom = (first?.schema as { errorMessage?: unknown } | undefined)?.errorMessage
    const message = typeof custom === 'string' ? custom : (first?.message ?? 'is invalid').replace(/^Expected/, 'expected')
    return { error: [{ instancePath: first?.path ?? '', message }] as never }
  }
}
