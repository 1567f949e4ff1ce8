import { BudgetUnavailableError } from '#errors.js'
import type { ClusterLink } from '../cluster/link.js'
import type { ReserveAnswer } from '../cluster/protocol.js'
import type { BudgetCheck, BudgetLedger, BudgetReservation, SpentSince } from './memory.js'

/**
 * Credit budgets of every worker of one machine (WORKERS > 1), held by the primary (metering/cluster/counters.ts):
 * check-and-reserve is one message the primary answers alone, so workers admitting at once never pass the limit
 * together. Like RedisBudgetLedger, an account the primary lacks is seeded from the store by the worker that needs it.
 * Fails closed: without an answer from the primary the call is refused with a 503.
 */
export class ClusterBudgetLedger implements BudgetLedger {
  private readonly seeding = new Map<string, Promise<void>>()

  constructor (private readonly link: ClusterLink, private readonly spentSince: SpentSince) {}

  async reserve ({ keyId, app, periodStart, limit, estimate }: BudgetCheck): Promise<BudgetReservation | { refused: true, remaining: number }> {
    const account = accountKey(keyId, periodStart, app)
    const answer = await this.unavailableAs503(async () => {
      const first = await this.link.request<ReserveAnswer>({ op: 'budget.reserve', account, limit, estimate })
      if (first.outcome !== 'unseeded') return first
      await this.seed(account, keyId, periodStart, app)
      return await this.link.request<ReserveAnswer>({ op: 'budget.reserve', account, limit, estimate })
    })
    if (answer.outcome === 'refused') return { refused: true, remaining: answer.remaining }
    if (answer.outcome === 'unseeded') throw Object.assign(new BudgetUnavailableError(), { retryAfter: 1 })
    const { ticket } = answer
    let settled = false
    return {
      settle: async (actual: number) => {
        if (settled) return
        settled = true
        this.link.cast({ op: 'budget.settle', ticket, actual })
      }
    }
  }

  async used (keyId: string, periodStart: string, app?: string): Promise<number> {
    const account = accountKey(keyId, periodStart, app)
    return await this.unavailableAs503(async () => {
      const known = await this.link.request<number | null>({ op: 'budget.used', account })
      if (known !== null) return known
      await this.seed(account, keyId, periodStart, app)
      return await this.link.request<number | null>({ op: 'budget.used', account }) ?? 0
    })
  }

  /** Calls arriving together for a cold account share one store read per worker. */
  private async seed (account: string, keyId: string, periodStart: string, app: string | undefined): Promise<void> {
    let pending = this.seeding.get(account)
    if (pending === undefined) {
      pending = this.spentSince(keyId, periodStart, app)
        .then(async (spent) => { await this.link.request({ op: 'budget.seed', account, spent }) })
        .finally(() => this.seeding.delete(account))
      this.seeding.set(account, pending)
    }
    await pending
  }

  private async unavailableAs503<T> (work: () => Promise<T>): Promise<T> {
    try {
      return await work()
    } catch {
      throw Object.assign(new BudgetUnavailableError(), { retryAfter: 1 })
    }
  }
}

/** The key's account in a period, or (with `app`, its perAppCreditLimit) that app's under it; no part holds a NUL. */
function accountKey (keyId: string, periodStart: string, app: string | undefined): string {
  return app === undefined ? `${keyId}\u0000${periodStart}` : `${keyId}\u0000${periodStart}\u0000${app}`
}
