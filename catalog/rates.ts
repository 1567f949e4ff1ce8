/**
 * A model's rates as the catalog (or the built-in price list) holds them, and the rates that apply to one call:
 * which tier its prompt reached, and what each optional rate falls back to when it is not set.
 */

import type { MediaRates, RateTierType, TokenRates } from '#schemas/catalog.js'

export type { MediaRates, TokenRates }

/** Rates that replace the base ones for the whole call once its prompt has more than `above` tokens (long-context pricing). */
export type RateTier = RateTierType

export interface ModelRates extends TokenRates, MediaRates {
  /** Ascending by `above`; the last one the prompt passes applies. */
  tiers: readonly RateTier[]
  /** Credits per generated image when no rate of `imageRates` matches. */
  imageRate: number | null
  /** Credits per image by "size/quality" key, either part "*" for any ("1024x1024/hd"); the most specific match wins. */
  imageRates: Readonly<Record<string, number>>
  /** Credits per call that answered, on top of what its tokens or images cost. */
  requestRate: number | null
}

/** Every token rate of one call, each one set. */
export interface ResolvedTokenRates {
  input: number
  output: number
  cachedInput: number
  cacheWrite: number
  cacheWrite1h: number
  reasoning: number
  audioInput: number
  audioOutput: number
}

export const TOKEN_RATE_FIELDS = [
  'inputRate', 'outputRate', 'cachedInputRate', 'cacheWriteRate', 'cacheWrite1hRate', 'reasoningRate', 'audioInputRate', 'audioOutputRate'
] as const satisfies ReadonlyArray<keyof TokenRates>

/** No rate set, no tier: the defaults of a catalog entry. */
export const NO_RATES: ModelRates = {
  inputRate: null,
  outputRate: null,
  cachedInputRate: null,
  cacheWriteRate: null,
  cacheWrite1hRate: null,
  reasoningRate: null,
  audioInputRate: null,
  audioOutputRate: null,
  tiers: [],
  imageRate: null,
  imageRates: {},
  requestRate: null,
  secondRate: null,
  characterRate: null
}

function merged (base: TokenRates, tier: RateTier): TokenRates {
  const rates = { ...base }
  for (const field of TOKEN_RATE_FIELDS) {
    const rate = tier[field]
    if (rate !== undefined && rate !== null) rates[field] = rate
  }
  return rates
}

/** The token rates with each unset optional rate filled in from the one it defaults to; undefined without input and output rates. */
export function resolveTokenRates (rates: TokenRates): ResolvedTokenRates | undefined {
  const { inputRate: input, outputRate: output } = rates
  if (input === null || output === null) return undefined
  const cacheWrite = rates.cacheWriteRate ?? input
  return {
    input,
    output,
    cachedInput: rates.cachedInputRate ?? input,
    cacheWrite,
    cacheWrite1h: rates.cacheWrite1hRate ?? cacheWrite,
    reasoning: rates.reasoningRate ?? output,
    audioInput: rates.audioInputRate ?? input,
    audioOutput: rates.audioOutputRate ?? output
  }
}

/** The token rates a call with `promptTokens` prompt tokens pays: the base, or the last tier its prompt passed. */
export function ratesAt (rates: ModelRates, promptTokens: number): ResolvedTokenRates | undefined {
  let applying: TokenRates = rates
  for (const tier of rates.tiers) {
    if (promptTokens > tier.above) applying = merged(rates, tier)
  }
  return resolveTokenRates(applying)
}

/**
 * The highest rate of each kind any call with at most `promptTokens` prompt tokens could pay: the base and every
 * tier such a prompt could reach (a tier may lower some rate, so each kind takes its own maximum).
 */
export function highestRatesUpTo (rates: ModelRates, promptTokens: number): ResolvedTokenRates | undefined {
  let highest = resolveTokenRates(rates)
  if (highest === undefined) return undefined
  for (const tier of rates.tiers) {
    if (promptTokens <= tier.above) continue
    const tierRates = resolveTokenRates(merged(rates, tier)) as ResolvedTokenRates
    const into: ResolvedTokenRates = { ...highest }
    for (const kind of Object.keys(into) as Array<keyof ResolvedTokenRates>) into[kind] = Math.max(into[kind], tierRates[kind])
    highest = into
  }
  return highest
}
