import type { Admission, AdmissionRequest, AdmissionTicket } from '#gateway/admission.js'
import type { UsageEvent } from '#gateway/usage-events.js'
import { periodStart, type BudgetLedger, type BudgetReservation } from './ledger/memory.js'
import type { TokenWindow } from './token-window/memory.js'
import { highestReservation, type CallBound, type ModelRates } from '#catalog/call-cost.js'
import { CreditsExhaustedError, TokenRateLimitedError, UnpricedModelError } from '#errors.js'
import { isBudgeted, type Principal } from '#schemas/principal.js'

export type UnpricedPolicy = 'refuse-limited' | 'refuse' | 'warn'

export interface AdmissionOptions {
  /** Every set of rates a call to the model starting `from` may be charged at (catalog.possibleRates); empty: unpriced. */
  possibleRates: (model: string, from: Date) => readonly ModelRates[]
  ledger: BudgetLedger
  tokens: TokenWindow
  unpricedPolicy: UnpricedPolicy
  defaultMaxTokens: number
}

/** The call's worst case with the given token bounds. */
function boundOf (request: AdmissionRequest, promptTokens: number, completionTokens: number): CallBound {
  return { kind: request.kind, promptTokens, completionTokens, choices: request.choices ?? 1, image: request.image, seconds: request.media?.seconds, characters: request.media?.characters }
}

/**
 * Budgets and tokens per minute, decided before the upstream call: the worst case is reserved (input bytes bound
 * the input tokens; n × max_tokens, or a cap we set, bounds the completion; n × the highest per-image rate bounds
 * an image call), at the highest price among the model and the fallbacks that may answer (and, for a price that
 * changes with the time of day, among its windows: the call is charged the one in force when it starts), settled to
 * what the call really cost (catalog/call-cost.ts, the same function that prices the usage record).
 */
export function meteringAdmission (options: AdmissionOptions): Admission {
  return (request: AdmissionRequest): Promise<AdmissionTicket | undefined> | undefined => {
    const principal = request.principal
    if (principal === undefined) return undefined
    const { tpm } = principal.limits
    const budgeted = isBudgeted(principal.limits)
    const refusesUnpriced = options.unpricedPolicy === 'refuse' || (options.unpricedPolicy === 'refuse-limited' && budgeted)
    let refusedFallbacks: Set<string> | undefined
    if (refusesUnpriced) {
      const unpriced = (model: string): boolean => highestReservation(options.possibleRates(model, request.startedAt), boundOf(request, 0, 0)) === undefined
      if (unpriced(request.model)) {
        throw new UnpricedModelError(request.model, options.unpricedPolicy === 'refuse' ? '' : ' for keys with a credit limit')
      }
      // a fallback the policy would refuse for this key must not answer in the model's place
      for (const id of request.fallbacks()) {
        if (unpriced(id)) (refusedFallbacks ??= new Set()).add(id)
      }
    }
    // a key without limits (most of them) is admitted without a promise
    if (!budgeted && tpm === null) return refusedFallbacks === undefined ? undefined : Promise.resolve({ refusedFallbacks, settle: () => {} })
    return reserve(options, request, principal, refusedFallbacks)
  }
}

type Reservation = Awaited<ReturnType<BudgetLedger['reserve']>>

/**
 * Takes the call's worst case from the key's token window, its credit budget and its app's; refuses when any has no
 * room (giving back what it took from the others).
 */
async function reserve (options: AdmissionOptions, request: AdmissionRequest, principal: Principal, refusedFallbacks: Set<string> | undefined): Promise<AdmissionTicket> {
  const { creditLimit, creditPeriod, perAppCreditLimit, tpm } = principal.limits
  const chat = request.kind === 'chat'
  const completionTokenCap = chat && request.maxCompletionTokens === undefined && isBudgeted(principal.limits) ? options.defaultMaxTokens : undefined
  const promptTokens = request.promptTokensUpperBound()
  const completionTokens = chat ? request.maxCompletionTokens ?? options.defaultMaxTokens : request.media?.completionTokens ?? 0
  const bound = boundOf(request, promptTokens, completionTokens)
  const reservedTokens = promptTokens + bound.choices * completionTokens

  if (tpm !== null) {
    const taken = await options.tokens.take(principal.id, reservedTokens, tpm)
    if (!taken.ok) {
      const retryAfter = Math.max(1, Math.ceil(taken.resetMs / 1000))
      throw Object.assign(new TokenRateLimitedError(`Token rate limit of ${tpm} tokens per minute reached for this key (this request may use up to ${reservedTokens}); retry in ${retryAfter} s.`), { retryAfter })
    }
  }
  const held: BudgetReservation[] = []
  if (isBudgeted(principal.limits)) {
    // nothing to price up front (the policy let an unpriced model through) reserves 0, so what it is charged after still settles here
    const estimate = highestEstimate(options, request, principal, bound, refusedFallbacks) ?? 0
    const check = { keyId: principal.id, periodStart: periodStart(creditPeriod), estimate }
    const budgets: Array<[limit: number | null, app: string | undefined, whose: string]> = [
      [creditLimit, undefined, 'this key'], [perAppCreditLimit, request.app, `app "${request.app}" under this key`]
    ]
    for (const [limit, app, whose] of budgets) {
      if (limit === null) continue
      const reservation: Reservation = await options.ledger.reserve({ ...check, app, limit })
      if ('refused' in reservation) {
        for (const taken of held) await taken.settle(0)
        if (tpm !== null) await options.tokens.adjust(principal.id, -reservedTokens)
        const period = creditPeriod === 'total' ? '' : ` this ${creditPeriod}`
        throw new CreditsExhaustedError(`Credit limit reached for ${whose}: ${reservation.remaining.toFixed(6)} of ${limit} credits left${period}, and this request may cost up to ${estimate.toFixed(6)}.`)
      }
      held.push(reservation)
    }
  }
  return {
    ...(completionTokenCap !== undefined ? { completionTokenCap } : {}),
    ...(refusedFallbacks !== undefined ? { refusedFallbacks } : {}),
    settle: (event: UsageEvent) => {
      // priced like the usage record: at the model that answered (a catalog fallback may differ from the one asked for)
      if (held.length > 0) {
        const credits = event.credits ?? 0
        for (const reservation of held) void reservation.settle(credits)
      }
      if (tpm !== null) void options.tokens.adjust(principal.id, event.promptTokens + event.completionTokens - reservedTokens)
    }
  }
}

/**
 * The most the call may cost: the highest reservation among the model and each fallback the key may use, so a
 * pricier fallback stays within the budget. Undefined when none of them has a price (the policy let that through).
 */
function highestEstimate (options: AdmissionOptions, request: AdmissionRequest, principal: Principal, bound: CallBound, refused: Set<string> | undefined): number | undefined {
  const from = request.startedAt
  let highest = highestReservation(options.possibleRates(request.model, from), bound)
  for (const id of request.fallbacks()) {
    if (refused?.has(id) === true || !principal.allowsModel(id)) continue
    const estimate = highestReservation(options.possibleRates(id, from), bound)
    if (estimate !== undefined && (highest === undefined || estimate > highest)) highest = estimate
  }
  return highest
}
