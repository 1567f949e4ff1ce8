/**
 * What a model call costs in credits, from the catalog's rates. One place for both sides of a budget: admission
 * reserves `reservedCredits` (the call's worst case) and settlement and the usage record charge `callCredits`
 * (what it really used), so a key's ledger and its usage records always agree.
 */

import type { CallKind } from '#schemas/usage-event.js'

export type { CallKind }

/** A model's rates as the catalog holds them; null = not set. */
export interface ModelRates {
  /** Credits per 1M input / output tokens (both set, or the model has no token price). */
  inputRate: number | null
  outputRate: number | null
  /** Credits per generated image when no rate of `imageRates` matches. */
  imageRate: number | null
  /** Credits per image by "size/quality" key, either part "*" for any ("1024x1024/hd"); the most specific match wins. */
  imageRates: Readonly<Record<string, number>>
  /** Credits per call that answered, on top of what its tokens or images cost. */
  requestRate: number | null
}

/** What an image call asked for (size and quality as the client named them; absent or "auto": the provider picks). */
export interface ImageShape {
  n: number
  size?: string | undefined
  quality?: string | undefined
}

/** The worst case of a call, known before it goes upstream. */
export interface CallBound {
  kind: CallKind
  /** Upper bound of the input tokens (prompt bytes, input bytes). */
  promptTokens: number
  /** Completion tokens per choice (max_tokens or the gateway's cap); 0 for embeddings and images. */
  completionTokens: number
  /** Chat choices (`n`). */
  choices: number
  image?: ImageShape | undefined
}

/** What a call used, as its usage event says. */
export interface MeasuredCall {
  kind?: CallKind | undefined
  promptTokens: number
  completionTokens: number
  /** The token counts are the gateway's estimate: the provider reported none. */
  usageEstimated?: boolean | undefined
  /** Images returned. */
  images?: number | undefined
  imageSize?: string | undefined
  imageQuality?: string | undefined
  /** HTTP status the client got (the per-request rate applies to answered calls only). */
  status: number
}

function tokenCredits (rates: ModelRates, promptTokens: number, completionTokens: number): number | undefined {
  if (rates.inputRate === null || rates.outputRate === null) return undefined
  return (promptTokens * rates.inputRate + completionTokens * rates.outputRate) / 1_000_000
}

function known (part: string | undefined): part is string {
  return part !== undefined && part !== 'auto'
}

/** True when the catalog key "size/quality" can describe an image of this shape (unknown parts match anything). */
function applies (key: string, size: string | undefined, quality: string | undefined): boolean {
  const slash = key.indexOf('/')
  const keySize = key.slice(0, slash)
  const keyQuality = key.slice(slash + 1)
  return (keySize === '*' || !known(size) || keySize === size) && (keyQuality === '*' || !known(quality) || keyQuality === quality)
}

/** The highest per-image rate that could apply to this shape, or undefined when none does. */
export function highestImageRate (rates: ModelRates, size: string | undefined, quality: string | undefined): number | undefined {
  let highest = rates.imageRate ?? undefined
  for (const [key, rate] of Object.entries(rates.imageRates)) {
    if (applies(key, size, quality) && (highest === undefined || rate > highest)) highest = rate
  }
  return highest
}

/**
 * The per-image rate of a call: with size and quality both known, the most specific key (exact size and quality,
 * then exact size, then exact quality, then "*" for both), then the default rate; a call that left either to the
 * provider (absent or "auto") pays the highest rate that could apply.
 */
export function imageRateFor (rates: ModelRates, size: string | undefined, quality: string | undefined): number | undefined {
  if (!known(size) || !known(quality)) return highestImageRate(rates, size, quality)
  for (const key of [`${size}/${quality}`, `${size}/*`, `*/${quality}`, '*/*']) {
    const rate = rates.imageRates[key]
    if (rate !== undefined) return rate
  }
  return rates.imageRate ?? undefined
}

/** Adds the per-request rate to a priced amount; a model with only a per-request rate is priced by it alone. */
function withRequestRate (rates: ModelRates, amount: number | undefined, answered: boolean): number | undefined {
  if (rates.requestRate === null) return amount
  return (amount ?? 0) + (answered ? rates.requestRate : 0)
}

/**
 * Credits reserved before the call: chat, the prompt bound and `n` × the completion bound at token rates;
 * embeddings, the input bound; images, `n` × the highest applicable per-image rate plus the prompt bound at the
 * input rate. Undefined when the catalog cannot price this call (the unpriced-model policy decides).
 */
export function reservedCredits (rates: ModelRates | undefined, bound: CallBound): number | undefined {
  if (rates === undefined) return undefined
  if (bound.kind === 'image') {
    const image = bound.image ?? { n: 1 }
    const perImage = highestImageRate(rates, image.size, image.quality)
    const prompt = rates.inputRate === null ? 0 : bound.promptTokens * rates.inputRate / 1_000_000
    return withRequestRate(rates, perImage === undefined ? undefined : image.n * perImage + prompt, true)
  }
  return withRequestRate(rates, tokenCredits(rates, bound.promptTokens, bound.choices * bound.completionTokens), true)
}

/**
 * Reported tokens are charged at most what the call's images cost at the highest per-image rate that could apply
 * (plus its prompt at the input rate): that is what admission reserved, so an answer's token count cannot carry
 * a key past its credit limit. A model without per-image rates is charged its tokens as they are.
 */
function capAtImagePrice (rates: ModelRates, call: MeasuredCall, images: number, byTokens: number): number {
  const perImage = highestImageRate(rates, call.imageSize, call.imageQuality)
  if (perImage === undefined) return byTokens
  const prompt = rates.inputRate === null ? 0 : call.promptTokens * rates.inputRate / 1_000_000
  return Math.min(byTokens, images * perImage + prompt)
}

/**
 * Credits a finished call is charged: tokens at token rates; an image call is charged its reported tokens when
 * the model has token rates, else images returned × the per-image rate. Undefined when the model has no price
 * for what the call used (recorded at zero credits, and reported as unpriced).
 */
export function callCredits (rates: ModelRates | undefined, call: MeasuredCall): number | undefined {
  if (rates === undefined) return undefined
  const answered = call.status === 200
  if (call.kind === 'image') {
    const reported = call.usageEstimated !== true && call.promptTokens + call.completionTokens > 0
    const byTokens = reported ? tokenCredits(rates, call.promptTokens, call.completionTokens) : undefined
    const images = call.images ?? 0
    if (byTokens !== undefined) return withRequestRate(rates, capAtImagePrice(rates, call, images, byTokens), answered)
    // no image produced costs nothing; images without a rate that applies are unpriced, never free
    const perImage = images === 0 ? 0 : imageRateFor(rates, call.imageSize, call.imageQuality)
    return withRequestRate(rates, perImage === undefined ? undefined : images * perImage, answered)
  }
  return withRequestRate(rates, tokenCredits(rates, call.promptTokens, call.completionTokens), answered)
}
