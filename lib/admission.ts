import type { Admission, AdmissionRequest, AdmissionTicket } from '../providers/admission.js'
import type { UsageEvent } from './usage-events.js'
import { periodStart, type BudgetLedger } from './budget.js'
import type { TokenWindow } from './token-window.js'
import { creditsFor, type ModelPrice } from './model-catalog.js'
import { CreditsExhaustedError, TokenRateLimitedError, UnpricedModelError } from './errors.js'
import type { Principal } from './principal.js'

export type UnpricedPolicy = 'refuse-limited' | 'refuse' | 'warn'

export interface AdmissionOptions {
  price: (model: string) => ModelPrice | undefined
  ledger: BudgetLedger
  tokens: TokenWindow
  unpricedPolicy: UnpricedPolicy
  defaultMaxTokens: number
}

/**
 * Budgets and tokens per minute, decided before the upstream call: the worst case is reserved (prompt bytes bound
 * the prompt tokens; max_tokens, or a cap we set, bounds the completion) and settled to the real numbers after.
 */
export function meteringAdmission (options: AdmissionOptions): Admission {
  return (request: AdmissionRequest): Promise<AdmissionTicket | undefined> | undefined => {
    const principal = request.principal
    if (principal === undefined) return undefined
    const { creditLimit, tpm } = principal.limits
    const price = options.price(request.model)
    if (price === undefined && (options.unpricedPolicy === 'refuse' || (options.unpricedPolicy === 'refuse-limited' && creditLimit !== null))) {
      throw new UnpricedModelError(request.model, options.unpricedPolicy === 'refuse' ? '' : ' for keys with a credit limit')
    }
    // a key without limits (most of them) is admitted without a promise
    if (creditLimit === null && tpm === null) return undefined
    return reserve(options, request, principal, price)
  }
}

/** Takes the call's worst case from the key's token window and credit budget; refuses when either has no room. */
async function reserve (options: AdmissionOptions, request: AdmissionRequest, principal: Principal, price: ModelPrice | undefined): Promise<AdmissionTicket> {
  const { creditLimit, creditPeriod, tpm } = principal.limits
  const completionTokenCap = request.maxCompletionTokens === undefined && creditLimit !== null ? options.defaultMaxTokens : undefined
  const promptTokens = request.promptTokensUpperBound()
  const completionTokens = request.maxCompletionTokens ?? options.defaultMaxTokens
  const reservedTokens = promptTokens + completionTokens

  if (tpm !== null) {
    const taken = await options.tokens.take(principal.id, reservedTokens, tpm)
    if (!taken.ok) {
      const retryAfter = Math.max(1, Math.ceil(taken.resetMs / 1000))
      throw Object.assign(new TokenRateLimitedError(`Token rate limit of ${tpm} tokens per minute reached for this key (this request may use up to ${reservedTokens}); retry in ${retryAfter} s.`), { retryAfter })
    }
  }
  let reservation: Awaited<ReturnType<BudgetLedger['reserve']>> | undefined
  if (creditLimit !== null && price !== undefined) {
    const estimate = creditsFor(price, promptTokens, completionTokens)
    reservation = await options.ledger.reserve({ keyId: principal.id, periodStart: periodStart(creditPeriod), limit: creditLimit, estimate })
    if ('refused' in reservation) {
      if (tpm !== null) await options.tokens.adjust(principal.id, -reservedTokens)
      const period = creditPeriod === 'total' ? '' : ` this ${creditPeriod}`
      throw new CreditsExhaustedError(`Credit limit reached for this key: ${reservation.remaining.toFixed(6)} of ${creditLimit} credits left${period}, and this request may cost up to ${estimate.toFixed(6)}.`)
    }
  }
  const held = reservation
  return {
    ...(completionTokenCap !== undefined ? { completionTokenCap } : {}),
    settle: (event: UsageEvent) => {
      // priced like the usage record: at the model that answered (a catalog fallback may differ from the one asked for)
      const charged = options.price(event.model)
      if (held !== undefined && !('refused' in held)) void held.settle(charged === undefined ? 0 : creditsFor(charged, event.promptTokens, event.completionTokens))
      if (tpm !== null) void options.tokens.adjust(principal.id, event.promptTokens + event.completionTokens - reservedTokens)
    }
  }
}
