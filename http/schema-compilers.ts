import { AjvCompiler } from '@fastify/ajv-compiler'
import { SerializerSelector } from '@fastify/fast-json-stringify-compiler'
import type { FastifyServerOptions } from 'fastify'

type CompilersFactory = NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>
type SerializerFactory = NonNullable<CompilersFactory['buildSerializer']>
type ValidatorFactory = NonNullable<CompilersFactory['buildValidator']>
type Serializer = ReturnType<ReturnType<SerializerFactory>>
interface AjvValidate { (data: unknown, context?: unknown): boolean, errors?: unknown, schemaEnv?: unknown }

/**
 * Response serializers built on first use, once per schema object. Fastify builds one fast-json-stringify
 * serializer per route, status and encapsulation context at start-up — ~1000 builds for ~90 distinct schemas here
 * (the error bodies answer every 4xx/5xx of ~110 routes; /v1 and the root re-register routes), each generating code
 * and an Ajv instance: most of the time `npm start` took before it served. A response that is never sent (most
 * error statuses of most routes) is now never compiled. test/http/schema-compilers.test.ts compiles every
 * route's schemas, so a broken one still fails CI rather than a first request.
 */
export function lazySharedSerializers (): SerializerFactory {
  const select = SerializerSelector()
  const byShared = new Map<string, WeakMap<object, Serializer>>()
  return (externalSchemas, options) => {
    const compile = select(externalSchemas, options)
    const key = JSON.stringify(externalSchemas ?? {}) + JSON.stringify(options ?? {})
    let serializers = byShared.get(key)
    if (serializers === undefined) byShared.set(key, serializers = new WeakMap())
    const cache = serializers
    return (route) => {
      const schema = route.schema as object
      let serializer = cache.get(schema)
      if (serializer === undefined) {
        let compiled: Serializer | undefined
        serializer = (data: unknown) => (compiled ??= compile(route))(data)
        cache.set(schema, serializer)
      }
      return serializer
    }
  }
}

/**
 * Ajv validators (params, querystring) compiled on first use, for the same reason. The wrapper keeps what Fastify
 * reads from an Ajv function: `errors` after a failure, and `schemaEnv`, which makes Fastify pass the parent so a
 * coerced root value is written back. Fastify treats a custom compiler as foreign and no longer lower-cases a
 * request `headers` schema's names: such schemas must name headers in lower case (as Node delivers them).
 */
export function lazyValidators (): ValidatorFactory {
  const select = AjvCompiler()
  return (externalSchemas, options) => {
    const build = select(externalSchemas, options)
    return (route) => {
      let compiled: AjvValidate | undefined
      const validate: AjvValidate = (data, context) => {
        compiled ??= build(route) as unknown as AjvValidate
        const valid = compiled(data, context)
        validate.errors = compiled.errors
        return valid
      }
      validate.schemaEnv = true
      return validate as ReturnType<ReturnType<ValidatorFactory>>
    }
  }
}
