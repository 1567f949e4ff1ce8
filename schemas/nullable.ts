import { Type, type NumberOptions, type TUnsafe } from '@sinclair/typebox'

/*
 * A number or null for request bodies the default (Ajv) validator checks. One schema with a type list, not a union:
 * Ajv's type coercion changes only data matching none of the listed types, so 0 stays 0 and null stays null. With
 * a union, coercion tried the number branch first and turned null ("unlimited", "no price") into 0.
 */

export function NullableNumber (options: NumberOptions = {}): TUnsafe<number | null> {
  return Type.Unsafe<number | null>({ ...options, type: ['number', 'null'] })
}

export function NullableInteger (options: NumberOptions = {}): TUnsafe<number | null> {
  return Type.Unsafe<number | null>({ ...options, type: ['integer', 'null'] })
}
