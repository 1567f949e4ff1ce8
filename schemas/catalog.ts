import { Type, type Static } from '@sinclair/typebox'
import { NullableNumber } from './nullable.js'

const ModelId = Type.String({ minLength: 3, maxLength: 200, pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9._:/@-]+$', description: '"provider/model" as clients name it' })
// 0 is a price of 0, null "no price" (a free model is not an unpriced one): see schemas/nullable.ts
const Rate = NullableNumber({ minimum: 0, maximum: 1e9, description: 'Credits per 1M tokens; null = no price' })
const ImageRate = NullableNumber({ minimum: 0, maximum: 1e9, description: 'Credits per generated image when no rate of imageRates matches; null = none' })
const RequestRate = NullableNumber({ minimum: 0, maximum: 1e9, description: 'Credits per answered call, on top of what its tokens or images cost; null = none' })
export const IMAGE_RATE_KEY = '^(\\*|[A-Za-z0-9._-]{1,32})/(\\*|[A-Za-z0-9._-]{1,32})$'
// propertyNames, not a key pattern: the validator drops properties a pattern does not match instead of refusing them
const ImageRates = Type.Record(Type.String(), Type.Number({ minimum: 0, maximum: 1e9 }), {
  propertyNames: { pattern: IMAGE_RATE_KEY },
  maxProperties: 100,
  description: 'Credits per image by "size/quality", either part "*" for any, e.g. {"1024x1024/hd": 0.08, "*/standard": 0.04}. ' +
    'The most specific match wins; a call that names no size or quality (or "auto") pays the highest rate that could apply.'
})
/** Bounds of catalog aliases: a bare name, so never confused with a "provider/model" id. */
export const ALIAS_LIMITS = { count: 16, length: 64 } as const
const Alias = Type.String({ minLength: 1, maxLength: ALIAS_LIMITS.length, pattern: '^[A-Za-z0-9][A-Za-z0-9._:@-]*$', description: 'a name without "/", e.g. "gpt-4o-mini" or "fast"' })
const Aliases = Type.Array(Alias, {
  maxItems: ALIAS_LIMITS.count,
  uniqueItems: true,
  description: 'Other names clients may send as `model` for this one ("gpt-4o-mini", "fast"); each names one model across the catalog ' +
    '(409 otherwise) and wins over the providers\' model lists. Aliases of a disabled model do not resolve.'
})
const Kind = Type.Union([Type.Literal('chat'), Type.Literal('embedding'), Type.Literal('image')])

export const CatalogModelView = Type.Object({
  id: ModelId,
  provider: Type.String(),
  upstreamModel: Type.String({ description: 'Model name sent to the provider' }),
  kind: Kind,
  enabled: Type.Boolean(),
  inputRate: Rate,
  outputRate: Rate,
  imageRate: ImageRate,
  imageRates: ImageRates,
  requestRate: RequestRate,
  fallbacks: Type.Array(Type.String(), { description: 'Model ids tried in order when this one fails before answering' }),
  aliases: Aliases,
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' })
}, { $id: 'CatalogModel' })

// what an admin may set; every field but the id is optional on create and on update
const EditableFields = {
  upstreamModel: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  kind: Type.Optional(Kind),
  enabled: Type.Optional(Type.Boolean()),
  inputRate: Type.Optional(Rate),
  outputRate: Type.Optional(Rate),
  imageRate: Type.Optional(ImageRate),
  imageRates: Type.Optional(ImageRates),
  requestRate: Type.Optional(RequestRate),
  fallbacks: Type.Optional(Type.Array(ModelId, { maxItems: 10 })),
  aliases: Type.Optional(Aliases)
}

export const CreateCatalogModelBody = Type.Object({ id: ModelId, ...EditableFields }, { additionalProperties: false })

export const UpdateCatalogModelBody = Type.Object(EditableFields, { additionalProperties: false, minProperties: 1 })

export type CatalogModelViewType = Static<typeof CatalogModelView>
