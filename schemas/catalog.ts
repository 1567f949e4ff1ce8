import { Type, type Static } from '@sinclair/typebox'
import { NullableNumber } from './nullable.js'

const ModelId = Type.String({ minLength: 3, maxLength: 200, pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9._:/@-]+$', description: '"provider/model" as clients name it' })
// 0 is a price of 0, null "no price" (a free model is not an unpriced one): see schemas/nullable.ts
const Rate = NullableNumber({ minimum: 0, maximum: 1e9, description: 'Credits per 1M tokens; null = no price' })
const Kind = Type.Union([Type.Literal('chat'), Type.Literal('embedding'), Type.Literal('image')])

export const CatalogModelView = Type.Object({
  id: ModelId,
  provider: Type.String(),
  upstreamModel: Type.String({ description: 'Model name sent to the provider' }),
  kind: Kind,
  enabled: Type.Boolean(),
  inputRate: Rate,
  outputRate: Rate,
  fallbacks: Type.Array(Type.String(), { description: 'Model ids tried in order when this one fails before answering' }),
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
  fallbacks: Type.Optional(Type.Array(ModelId, { maxItems: 10 }))
}

export const CreateCatalogModelBody = Type.Object({ id: ModelId, ...EditableFields }, { additionalProperties: false })

export const UpdateCatalogModelBody = Type.Object(EditableFields, { additionalProperties: false, minProperties: 1 })

export type CatalogModelViewType = Static<typeof CatalogModelView>
