import { Type } from '@sinclair/typebox'

const Totals = {
  requests: Type.Integer(),
  errors: Type.Integer({ description: 'Calls that ended with status ≥ 400' }),
  promptTokens: Type.Integer(),
  completionTokens: Type.Integer(),
  totalTokens: Type.Integer(),
  credits: Type.Number(),
  cachedTokens: Type.Integer({ description: 'Prompt tokens read from the provider\'s cache (part of promptTokens)' }),
  cacheWriteTokens: Type.Integer({ description: 'Prompt tokens written to the cache, 5-minute writes (part of promptTokens)' }),
  cacheWrite1hTokens: Type.Integer({ description: 'Prompt tokens written to the 1-hour cache (part of promptTokens)' }),
  reasoningTokens: Type.Integer({ description: 'Reasoning (thinking) tokens (part of completionTokens)' }),
  audioInputTokens: Type.Integer({ description: 'Audio prompt tokens (part of promptTokens)' }),
  audioOutputTokens: Type.Integer({ description: 'Audio completion tokens (part of completionTokens)' }),
  seconds: Type.Number({ description: 'Seconds of video generated and of audio transcribed or spoken' }),
  characters: Type.Integer({ description: 'Characters of text to speech input' })
}

export const UsageRow = Type.Object({
  key: Type.Optional(Type.String({ description: 'Access key id (or jwt:<sub>)' })),
  app: Type.Optional(Type.String({ description: 'The calling app (x-aigne-hub-client-did); "" for calls that named none or an invalid one' })),
  model: Type.Optional(Type.String()),
  provider: Type.Optional(Type.String()),
  day: Type.Optional(Type.String({ description: 'YYYY-MM-DD (UTC)' })),
  ...Totals
}, { $id: 'UsageRow' })

export const UsageRange = {
  since: Type.Optional(Type.String({ format: 'date-time', description: 'Start (inclusive); default 30 days ago. Days already rolled up count whole.' })),
  until: Type.Optional(Type.String({ format: 'date-time', description: 'End (exclusive); default now' }))
}

export const AdminUsageQuery = Type.Object({
  ...UsageRange,
  groupBy: Type.String({ pattern: '^(key|app|model|provider|day)(,(key|app|model|provider|day))*$', default: 'day', description: 'Comma-separated: key, app, model, provider, day' }),
  keyId: Type.Optional(Type.String({ maxLength: 200 })),
  app: Type.Optional(Type.String({ maxLength: 128, description: 'Only the calls of this app ("" for calls that named none)' })),
  format: Type.Union([Type.Literal('json'), Type.Literal('csv')], { default: 'json' })
})

export const AdminUsageReport = Type.Object({
  since: Type.String(),
  until: Type.String(),
  groupBy: Type.Array(Type.String()),
  items: Type.Array(UsageRow),
  unpricedModels: Type.Array(Type.String(), { description: 'Models used in the range with no price: their usage was recorded at zero credits' })
})

export const KeyUsageReport = Type.Object({
  keyId: Type.String(),
  period: Type.Union([Type.Literal('total'), Type.Literal('day'), Type.Literal('month')]),
  periodStart: Type.String(),
  creditLimit: Type.Union([Type.Number(), Type.Null()]),
  perAppCreditLimit: Type.Union([Type.Number(), Type.Null()], { description: 'Credits each app may spend under the key this period (null: no per-app limit)' }),
  creditsUsed: Type.Number({ description: 'Settled spend plus in-flight reservations in the current period' }),
  creditsRemaining: Type.Union([Type.Number(), Type.Null()]),
  rpm: Type.Union([Type.Integer(), Type.Null()]),
  tpm: Type.Union([Type.Integer(), Type.Null()]),
  maxConcurrent: Type.Union([Type.Integer(), Type.Null()], { description: 'Calls the key may have in progress at once (null: no limit)' }),
  byModel: Type.Array(UsageRow),
  // the same rows without the $id, which a response schema may hold only once
  byApp: Type.Array(Type.Object(UsageRow.properties), { description: 'This period\'s usage per calling app (x-aigne-hub-client-did; "" for calls that named none)' })
})
