/**
 * What a model call costs in credits, from the catalog's rates. One place for both sides of a budget: admission
 * reserves `reservedCredits` (the call's worst case) and settlement and the usage record charge `callCredits`
 * (what it really used), so a key's ledger and its usage records always agree.
 */

import type { CallKind, TokenDetails } from '#schemas/usage-event.js'
import type { UsageType } from '#schemas/chat.js'
import { highestRatesUpTo, ratesAt, type ModelRates } from './rates.js'
import { tokenDetailsOf } from './token-details.js'

export type { CallKind, ModelRates }

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
  /** Video and audio: the most seconds and characters the call can measure. */
  seconds?: number | undefined
  characters?: number | undefined
}

/** What a call used, as its usage event says (the details are parts of the prompt and completion counts). */
export interface MeasuredCall extends TokenDetails {
  kind?: CallKind | undefined
  promptTokens: number
  completionTokens: number
  /** The token counts are the gateway's estimate: the provider reported none. */
  usageEstimated?: boolean | undefined
  /** Images returned. */
  images?: number | undefined
  imageSize?: string | undefined
  imageQuality?: string | undefined
  /** Video and audio: seconds generated, transcribed or spoken; characters of speech input. */
  seconds?: number | undefined
  characters?: number | undefined
  /** HTTP status the client got (the per-request rate applies to answered calls only). */
  status: number
}

/** A part of `total` no larger than what is left of it (a report whose parts exceed the whole is not trusted further). */
function part (count: number | undefined, left: number): number {
  return Math.min(Math.max(count ?? 0, 0), Math.max(left, 0))
}

/**
 * Tokens at token rates: the prompt's cache reads, cache writes (5 minutes, 1 hour) and audio at their rates and
 * the rest at the input rate; the completion's reasoning and audio tokens at theirs and the rest at the output
 * rate; all at the tier the prompt reached. Undefined when the model has no token price.
 */
function tokenCredits (rates: ModelRates, call: TokenDetails & { promptTokens: number, completionTokens: number }): number | undefined {
  const rate = ratesAt(rates, call.promptTokens)
  if (rate === undefined) return undefined
  let prompt = call.promptTokens
  const cached = part(call.cachedTokens, prompt)
  const write1h = part(call.cacheWrite1hTokens, prompt -= cached)
  const write = part(call.cacheWriteTokens, prompt -= write1h)
  const audioIn = part(call.audioInputTokens, prompt -= write)
  prompt -= audioIn
  let completion = call.completionTokens
  const reasoning = part(call.reasoningTokens, completion)
  const audioOut = part(call.audioOutputTokens, completion -= reasoning)
  completion -= audioOut
  return (prompt * rate.input + cached * rate.cachedInput + write * rate.cacheWrite + write1h * rate.cacheWrite1h +
    audioIn * rate.audioInput + completion * rate.output + reasoning * rate.reasoning + audioOut * rate.audioOutput) / 1_000_000
}

/** The most `promptTokens` and `completionTokens` can cost, whatever kind of token each turns out to be and whichever tier applies. */
function tokenBound (rates: ModelRates, promptTokens: number, completionTokens: number): number | undefined {
  const rate = highestRatesUpTo(rates, promptTokens)
  if (rate === undefined) return undefined
  const input = Math.max(rate.input, rate.cachedInput, rate.cacheWrite, rate.cacheWrite1h, rate.audioInput)
  const output = Math.max(rate.output, rate.reasoning, rate.audioOutput)
  return (promptTokens * input + completionTokens * output) / 1_000_000
}

/** The prompt of an image call at the input rate (of the tier it reaches); 0 for a model without one. */
function imagePromptCredits (rates: ModelRates, promptTokens: number): number {
  const rate = highestRatesUpTo(rates, promptTokens)?.input ?? rates.inputRate
  return rate === null ? 0 : promptTokens * rate / 1_000_000
}

/** Credits are kept to 15 significant digits: the float noise of a sum of products goes, and a bound stays a bound (rounding is monotonic). */
export function roundCredits (credits: number): number {
  return Number(credits.toPrecision(15))
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

/** Kinds priced by what they measure (seconds, characters), plus tokens where the provider reports them. */
const MEDIA_KINDS: ReadonlySet<CallKind> = new Set(['video', 'transcription', 'speech'])

/** Seconds and characters at the model's per-second and per-character rates; undefined when the model has neither rate. */
function measuredCredits (rates: ModelRates, seconds: number | undefined, characters: number | undefined): number | undefined {
  if (rates.secondRate === null && rates.characterRate === null) return undefined
  return (seconds ?? 0) * (rates.secondRate ?? 0) + (characters ?? 0) * (rates.characterRate ?? 0) / 1_000_000
}

/** The sum of the priced parts; undefined when none is priced. */
function sumOf (...parts: Array<number | undefined>): number | undefined {
  const priced = parts.filter((part): part is number => part !== undefined)
  return priced.length === 0 ? undefined : priced.reduce((a, b) => a + b, 0)
}

/**
 * Credits reserved before the call: chat, the prompt bound and `n` × the completion bound at token rates; video
 * and audio, the seconds and characters bounds at their rates plus the token bounds at token rates (when set);
 * embeddings, the input bound; images, `n` × the highest applicable per-image rate plus the prompt bound at the
 * input rate. Undefined when the catalog cannot price this call (the unpriced-model policy decides).
 */
export function reservedCredits (rates: ModelRates | undefined, bound: CallBound): number | undefined {
  if (rates === undefined) return undefined
  if (MEDIA_KINDS.has(bound.kind)) {
    const tokens = tokenBound(rates, bound.promptTokens, bound.choices * bound.completionTokens)
    return rounded(withRequestRate(rates, sumOf(measuredCredits(rates, bound.seconds, bound.characters), tokens), true))
  }
  if (bound.kind === 'image') {
    const image = bound.image ?? { n: 1 }
    const perImage = highestImageRate(rates, image.size, image.quality)
    return rounded(withRequestRate(rates, perImage === undefined ? undefined : image.n * perImage + imagePromptCredits(rates, bound.promptTokens), true))
  }
  return rounded(withRequestRate(rates, tokenBound(rates, bound.promptTokens, bound.choices * bound.completionTokens), true))
}

/** The highest reservation among the rates a call may be charged at (a price that changes with the time of day); undefined when none prices it. */
export function highestReservation (possible: readonly ModelRates[], bound: CallBound): number | undefined {
  let highest: number | undefined
  for (const rates of possible) {
    const reserved = reservedCredits(rates, bound)
    if (reserved !== undefined && (highest === undefined || reserved > highest)) highest = reserved
  }
  return highest
}

function rounded (credits: number | undefined): number | undefined {
  return credits === undefined ? undefined : roundCredits(credits)
}

/**
 * Reported tokens are charged at most what the call's images cost at the highest per-image rate that could apply
 * (plus its prompt at the input rate): that is what admission reserved, so an answer's token count cannot carry
 * a key past its credit limit. A model without per-image rates is charged its tokens as they are.
 */
function capAtImagePrice (rates: ModelRates, call: MeasuredCall, images: number, byTokens: number): number {
  const perImage = highestImageRate(rates, call.imageSize, call.imageQuality)
  if (perImage === undefined) return byTokens
  return Math.min(byTokens, images * perImage + imagePromptCredits(rates, call.promptTokens))
}

/**
 * Credits a finished call is charged: tokens at token rates; video and audio, seconds and characters at their rates
 * plus any tokens the provider reported; an image call is charged its reported tokens when
 * the model has token rates, else images returned × the per-image rate. Undefined when the model has no price
 * for what the call used (recorded at zero credits, and reported as unpriced).
 */
export function callCredits (rates: ModelRates | undefined, call: MeasuredCall): number | undefined {
  if (rates === undefined) return undefined
  const answered = call.status === 200
  if (call.kind !== undefined && MEDIA_KINDS.has(call.kind)) {
    // tokens only as the provider reported them (gpt-4o-transcribe); seconds and characters are measured
    const tokens = call.usageEstimated !== true && call.promptTokens + call.completionTokens > 0 ? tokenCredits(rates, call) : undefined
    return rounded(withRequestRate(rates, sumOf(measuredCredits(rates, call.seconds, call.characters), tokens), answered))
  }
  if (call.kind === 'image') {
    const reported = call.usageEstimated !== true && call.promptTokens + call.completionTokens > 0
    const byTokens = reported ? tokenCredits(rates, call) : undefined
    const images = call.images ?? 0
    if (byTokens !== undefined) return rounded(withRequestRate(rates, capAtImagePrice(rates, call, images, byTokens), answered))
    // no image produced costs nothing; images without a rate that applies are unpriced, never free
    const perImage = images === 0 ? 0 : imageRateFor(rates, call.imageSize, call.imageQuality)
    return rounded(withRequestRate(rates, perImage === undefined ? undefined : images * perImage, answered))
  }
  return rounded(withRequestRate(rates, tokenCredits(rates, call), answered))
}

/** What an answered chat call with this usage is charged (AIGNE and AI Kit answers say it; the same sum as the usage record). */
export function chatCredits (rates: ModelRates | undefined, usage: UsageType): number | undefined {
  return callCredits(rates, { kind: 'chat', promptTokens: usage.prompt_tokens, completionTokens: usage.completion_tokens, ...tokenDetailsOf(usage), status: 200 })
}
