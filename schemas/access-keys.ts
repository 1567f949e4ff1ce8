import { Type, type Static } from '@sinclair/typebox'
import { CREDIT_PERIODS, LIMIT_RANGES, SCOPES, type Scope } from './principal.js'
import { NullableInteger, NullableNumber } from './nullable.js'

/** What an allowed-model pattern may look like: "*", "openai/*", "openai/gpt-4o". */
export const MODEL_PATTERN = '^[A-Za-z0-9*][A-Za-z0-9._:*/-]*$'
export const MODEL_PATTERN_MAX_LENGTH = 200

// an enum rather than a union of literals, so a wrong value gets one clear message listing the allowed ones
export const ScopeSchema = Type.Unsafe<Scope>(Type.String({ enum: [...SCOPES], description: 'What the key may call' }))
export const ModelPattern = Type.String({
  minLength: 1,
  maxLength: MODEL_PATTERN_MAX_LENGTH,
  pattern: MODEL_PATTERN,
  description: '"*", a provider wildcard such as "openai/*", or an exact "provider/model"'
})
const IsoDateTime = Type.String({ format: 'date-time', description: 'ISO 8601 date-time' })

// null is "unlimited", 0 a budget of nothing: the two must not coerce into each other (schemas/nullable.ts)
const range = (name: keyof typeof LIMIT_RANGES): { minimum: number, maximum: number } => ({ minimum: LIMIT_RANGES[name].min, maximum: LIMIT_RANGES[name].max })
const LimitFields = {
  creditLimit: NullableNumber({ ...range('creditLimit'), description: 'Credits the key may spend per creditPeriod; null = unlimited (402 when exhausted)' }),
  creditPeriod: Type.Union(CREDIT_PERIODS.map((p) => Type.Literal(p)), { description: 'Budget period (UTC): total, day or month' }),
  perAppCreditLimit: NullableNumber({
    ...range('perAppCreditLimit'),
    description: 'Credits each calling app (x-aigne-hub-client-did; a call without it is app "") may spend under the key per creditPeriod, beside creditLimit; null = no per-app limit (402 when exhausted)'
  }),
  rpm: NullableInteger({ ...range('rpm'), description: 'Requests per minute; null = unlimited (429 past it)' }),
  tpm: NullableInteger({ ...range('tpm'), description: 'Tokens per minute; null = unlimited (429 past it)' }),
  maxConcurrent: NullableInteger({ ...range('maxConcurrent'), description: 'Model calls in progress at once, streams until they end; null = unlimited (429 past it)' })
}
const OptionalLimitFields = {
  creditLimit: Type.Optional(LimitFields.creditLimit),
  creditPeriod: Type.Optional(LimitFields.creditPeriod),
  perAppCreditLimit: Type.Optional(LimitFields.perAppCreditLimit),
  rpm: Type.Optional(LimitFields.rpm),
  tpm: Type.Optional(LimitFields.tpm),
  maxConcurrent: Type.Optional(LimitFields.maxConcurrent)
}

export const AccessKeyView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  prefix: Type.String({ description: 'First characters of the secret, to recognize it' }),
  scopes: Type.Array(Type.String()),
  models: Type.Array(Type.String()),
  expiresAt: Type.Union([IsoDateTime, Type.Null()]),
  ...LimitFields,
  revokedAt: Type.Union([IsoDateTime, Type.Null()]),
  createdAt: IsoDateTime,
  updatedAt: IsoDateTime,
  lastUsedAt: Type.Union([IsoDateTime, Type.Null()]),
  createdBy: Type.Union([Type.String(), Type.Null()], { description: 'Who issued it: "sso:<email>", "access-key:<id>", "jwt:<sub>" or "cli:<user>" (null for keys issued before this was recorded)' }),
  createdBySession: Type.Union([Type.String(), Type.Null()], { description: 'The single sign-on session that issued it; ending that session can revoke it (DELETE /api/admin/sessions/{id}?revokeKeys=true)' }),
  status: Type.Union([Type.Literal('active'), Type.Literal('expired'), Type.Literal('revoked')])
}, { $id: 'AccessKey' })

export const IssuedAccessKey = Type.Intersect([AccessKeyView, Type.Object({
  key: Type.String({ description: 'The secret. Shown only in this response; store it now.' })
})], { headers: { 'cache-control': { type: 'string', enum: ['no-store'], description: 'The answer carries a secret: no cache may keep it' } } })

export const CreateAccessKeyBody = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 200 }),
  scopes: Type.Optional(Type.Array(ScopeSchema, { minItems: 1, maxItems: SCOPES.length, uniqueItems: true, default: undefined })),
  models: Type.Optional(Type.Array(ModelPattern, { minItems: 1, maxItems: 200 })),
  expiresAt: Type.Optional(Type.Union([IsoDateTime, Type.Null()])),
  ...OptionalLimitFields
}, { additionalProperties: false })

export const UpdateAccessKeyBody = Type.Object({
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  scopes: Type.Optional(Type.Array(ScopeSchema, { minItems: 1, maxItems: SCOPES.length, uniqueItems: true })),
  models: Type.Optional(Type.Array(ModelPattern, { minItems: 1, maxItems: 200 })),
  expiresAt: Type.Optional(Type.Union([IsoDateTime, Type.Null()])),
  ...OptionalLimitFields
}, { additionalProperties: false, minProperties: 1 })

export const RotateAccessKeyBody = Type.Object({
  graceSeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 7 * 24 * 3600, description: 'Keep the old secret working this long (default 0: stops at once)' }))
}, { additionalProperties: false })

export const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) })

export const AccessKeyListQuery = Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
  offset: Type.Integer({ minimum: 0, maximum: 1e9, default: 0 }),
  search: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Keys whose name contains this (any case), whose secret starts with it (a prefix), or with this id' }))
})

export const AccessKeyList = Type.Object({
  items: Type.Array(AccessKeyView),
  total: Type.Integer()
})

export type AccessKeyViewType = Static<typeof AccessKeyView>
