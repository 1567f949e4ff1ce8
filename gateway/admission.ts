import type { CallKind, ImageShape } from '#catalog/call-cost.js'
import type { UsageEvent } from './usage-events.js'
import type { Principal } from '#schemas/principal.js'

/** What a call asks to be admitted for, before anything goes upstream. */
export interface AdmissionRequest {
  principal: Principal | undefined
  /** The app the caller named ('' for none): the key's perAppCreditLimit holds each app's spend apart. */
  app: string
  model: string
  /** How the call is priced (catalog/call-cost.ts). */
  kind: CallKind
  /** The catalog fallbacks of `model`, read only when a limit or the unpriced-model policy needs them. */
  fallbacks: () => readonly string[]
  /** Upper bound of the prompt's (input's) tokens, computed only when a limit needs it (it costs a serialization). */
  promptTokensUpperBound: () => number
  /** Chat: max_completion_tokens / max_tokens the caller set, if any (per choice). */
  maxCompletionTokens: number | undefined
  /** Chat: choices asked for (`n`), each up to the completion bound. */
  choices?: number | undefined
  /** Image calls: how many images, of what size and quality. */
  image?: ImageShape | undefined
  /** When the call started (its meter's start): a price that changes with the time of day is reserved from then on. */
  startedAt: Date
  /** Video and audio: the most seconds and characters the call can be charged, and a completion-token bound (transcripts). */
  media?: MediaBound | undefined
}

export interface MediaBound {
  seconds?: number | undefined
  characters?: number | undefined
  completionTokens?: number | undefined
}

export interface AdmissionTicket {
  /** Set when the call must be capped at this many completion tokens per choice (the caller named no limit). */
  completionTokenCap?: number
  /** Fallbacks this call must not use: the unpriced-model policy refuses them for this key. */
  refusedFallbacks?: ReadonlySet<string>
  /** Called once with the call's usage event, before it is emitted: settles reservations to real numbers. */
  settle: (event: UsageEvent) => void
}

/**
 * Decides whether a model call may go ahead (budgets, tokens per minute). Throws a HUB_* error (402, 429, 400)
 * to refuse; resolves with a ticket to settle afterwards, or undefined when nothing needs settling. Answers
 * undefined at once (no promise) for a call with no limit to check, so most calls wait for nothing.
 */
export type Admission = (request: AdmissionRequest) => Promise<AdmissionTicket | undefined> | undefined
