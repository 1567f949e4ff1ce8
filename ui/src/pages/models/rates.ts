import { formatAmount } from '../../lib/format'
import type { CatalogModel } from '../../lib/types'

/** "" → null (unpriced); otherwise a non-negative number, or an error message. */
export function parseRate (text: string, label: string): number | null | string {
  if (text.trim() === '') return null
  const value = Number(text)
  return Number.isFinite(value) && value >= 0 ? value : `${label} must be a number of credits, 0 or more (or empty for no price).`
}

export const rateText = (rate: number | null | undefined): string => rate == null ? '' : String(rate)

const IMAGE_RATE_LINE = /^\s*((?:\*|[A-Za-z0-9._-]{1,32})\/(?:\*|[A-Za-z0-9._-]{1,32}))\s*=\s*(\S+)\s*$/

/** Lines of "size/quality = credits" (either part "*") → the catalog's imageRates, or an error message. */
export function parseImageRates (text: string): Record<string, number> | string {
  const rates: Record<string, number> = {}
  for (const line of text.split('\n').filter((l) => l.trim() !== '')) {
    const match = IMAGE_RATE_LINE.exec(line)
    const rate = match === null ? NaN : Number(match[2])
    if (match === null || !Number.isFinite(rate) || rate < 0) return `"${line.trim()}": write one "size/quality = credits" per line, e.g. 1024x1024/hd = 0.08 (* for any).`
    rates[match[1] as string] = rate
  }
  return rates
}

export const imageRatesText = (rates: Record<string, number> | undefined): string =>
  Object.entries(rates ?? {}).map(([key, rate]) => `${key} = ${rate}`).join('\n')

/** No price for the model's kind: images need a per-image rate, other kinds token rates; a per-call rate prices any. */
export function isUnpriced (model: CatalogModel): boolean {
  if (model.requestRate != null) return false
  if (model.builtinPrice === true && model.kind !== 'image' && model.inputRate === null && model.outputRate === null) return false
  if (model.secondRate != null || model.characterRate != null) return false
  if (model.kind === 'image') return model.imageRate == null && Object.keys(model.imageRates ?? {}).length === 0
  return model.inputRate === null || model.outputRate === null
}

/** Rates for parts of the prompt and completion, with their labels; empty = the rate each falls back to. */
export const DETAIL_RATES = [
  ['cachedInputRate', 'cached'], ['cacheWriteRate', 'cache write'], ['cacheWrite1hRate', '1-hour cache write'],
  ['reasoningRate', 'reasoning'], ['audioInputRate', 'audio in'], ['audioOutputRate', 'audio out'],
  // video and audio: credits per second, per 1M characters of speech input
  ['secondRate', 'per second'], ['characterRate', 'per 1M characters']
] as const

/** Rates besides input and output in a few words ("0.3 cached, 0.04/image, 0.08 1024x1024/hd, 0.01/call, tiers above 200000"), or "—". */
export function otherRatesText (model: CatalogModel): string {
  const parts = [
    ...DETAIL_RATES.flatMap(([field, label]) => model[field] != null ? [`${formatAmount(model[field])} ${label}`] : []),
    ...(model.tiers ?? []).map((tier) => `tier above ${tier.above} tokens`),
    ...(model.imageRate != null ? [`${formatAmount(model.imageRate)}/image`] : []),
    ...Object.entries(model.imageRates ?? {}).map(([key, rate]) => `${formatAmount(rate)} ${key}`),
    ...(model.requestRate != null ? [`${formatAmount(model.requestRate)}/call`] : [])
  ]
  return parts.length === 0 ? '—' : parts.join(', ')
}
