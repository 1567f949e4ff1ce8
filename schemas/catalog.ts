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
const OptionalRate = (description: string): ReturnType<typeof NullableNumber> => NullableNumber({ minimum: 0, maximum: 1e9, description })
// rates for parts of the prompt and completion: null = the rate each defaults to (catalog/rates.ts)
const DetailRates = {
  cachedInputRate: OptionalRate('Credits per 1M prompt tokens read from the provider\'s cache; null = inputRate'),
  cacheWriteRate: OptionalRate('Credits per 1M prompt tokens written to the cache (Anthropic 5-minute writes); null = inputRate'),
  cacheWrite1hRate: OptionalRate('Credits per 1M prompt tokens written to the 1-hour cache; null = cacheWriteRate'),
  reasoningRate: OptionalRate('Credits per 1M reasoning (thinking) tokens; null = outputRate'),
  audioInputRate: OptionalRate('Credits per 1M audio prompt tokens; null = inputRate'),
  audioOutputRate: OptionalRate('Credits per 1M audio completion tokens; null = outputRate')
}
const TierRate = Type.Optional(Type.Number({ minimum: 0, maximum: 1e9 }))
export const RateTier = Type.Object({
  above: Type.Integer({ minimum: 0, maximum: 1e9, description: 'Prompt tokens (cached and cache writes included) above which this tier\'s rates price the whole call' }),
  inputRate: TierRate,
  outputRate: TierRate,
  cachedInputRate: TierRate,
  cacheWriteRate: TierRate,
  cacheWrite1hRate: TierRate,
  reasoningRate: TierRate,
  audioInputRate: TierRate,
  audioOutputRate: TierRate
}, { additionalProperties: false })
const RateTiers = Type.Array(RateTier, {
  maxItems: 10,
  description: 'Long-context pricing: a call whose prompt has more than `above` tokens pays the tier\'s rates (unset ones: the base rate) for all its tokens, e.g. [{"above":200000,"inputRate":6,"outputRate":22.5}]'
})

const Kind = Type.Union([
  Type.Literal('chat'), Type.Literal('embedding'), Type.Literal('image'), Type.Literal('video'), Type.Literal('transcription'), Type.Literal('speech')
])
// video and audio are priced by what they measure, not by tokens (issue 25)
const MediaRates = {
  secondRate: OptionalRate('Credits per second: of video generated (the seconds asked for), of audio transcribed or spoken; null = none'),
  characterRate: OptionalRate('Credits per 1M characters of text to speech input; null = none')
}

export const CatalogModelView = Type.Object({
  id: ModelId,
  provider: Type.String(),
  upstreamModel: Type.String({ description: 'Model name sent to the provider' }),
  kind: Kind,
  enabled: Type.Boolean(),
  inputRate: Rate,
  outputRate: Rate,
  ...DetailRates,
  tiers: RateTiers,
  imageRate: ImageRate,
  imageRates: ImageRates,
  requestRate: RequestRate,
  ...MediaRates,
  fallbacks: Type.Array(Type.String(), { description: 'Model ids tried in order when this one fails before answering' }),
  aliases: Aliases,
  builtinPrice: Type.Optional(Type.Boolean({ description: 'In lists: the built-in price list knows this model (its price applies unless the entry sets inputRate or outputRate)' })),
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
  cachedInputRate: Type.Optional(DetailRates.cachedInputRate),
  cacheWriteRate: Type.Optional(DetailRates.cacheWriteRate),
  cacheWrite1hRate: Type.Optional(DetailRates.cacheWrite1hRate),
  reasoningRate: Type.Optional(DetailRates.reasoningRate),
  audioInputRate: Type.Optional(DetailRates.audioInputRate),
  audioOutputRate: Type.Optional(DetailRates.audioOutputRate),
  tiers: Type.Optional(RateTiers),
  imageRate: Type.Optional(ImageRate),
  imageRates: Type.Optional(ImageRates),
  requestRate: Type.Optional(RequestRate),
  secondRate: Type.Optional(MediaRates.secondRate),
  characterRate: Type.Optional(MediaRates.characterRate),
  fallbacks: Type.Optional(Type.Array(ModelId, { maxItems: 10 })),
  aliases: Type.Optional(Aliases)
}

export const CreateCatalogModelBody = Type.Object({ id: ModelId, ...EditableFields }, { additionalProperties: false })

export const UpdateCatalogModelBody = Type.Object(EditableFields, { additionalProperties: false, minProperties: 1 })

export type CatalogModelViewType = Static<typeof CatalogModelView>
export type RateTierType = Static<typeof RateTier>

/** Credits per 1M tokens of each kind; null = not set (catalog/rates.ts says which rate an unset one falls back to). */
export interface TokenRates {
  /** Input / output tokens (both set, or the model has no token price). */
  inputRate: number | null
  outputRate: number | null
  /** Prompt tokens read from the provider's cache; unset: the input rate. */
  cachedInputRate: number | null
  /** Prompt tokens written to the cache (Anthropic's 5-minute writes); unset: the input rate. */
  cacheWriteRate: number | null
  /** 1-hour cache writes; unset: the cache-write rate. */
  cacheWrite1hRate: number | null
  /** Reasoning (thinking) tokens, part of the completion; unset: the output rate. */
  reasoningRate: number | null
  /** Audio tokens in the prompt / the completion; unset: the input / output rate. */
  audioInputRate: number | null
  audioOutputRate: number | null
}


/** Rates of what video and audio calls measure; null = not set. */
export interface MediaRates {
  /** Credits per second of video generated or audio transcribed / spoken. */
  secondRate: number | null
  /** Credits per 1M characters of speech input. */
  characterRate: number | null
}
