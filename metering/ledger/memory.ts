import type { CreditPeriod } from '#schemas/principal.js'

/**
 * Credit budgets. A request reserves its worst-case cost before the upstream call and settles to the real cost
 * after, so many requests starting at once can never spend past the limit together.
 */
export interface BudgetReservation {
  /** Replaces the reserved amount with what the call really cost. */
  settle: (actualCredits: number) => Promise<void>
}

export interface BudgetCheck {
  keyId: string
  /** Start of the current budget period (ISO); spend before it does not count. */
  periodStart: string
  limit: number
  estimate: number
}

export interface BudgetLedger {
  /** Reserves `estimate`, or answers with what is left when the reservation would pass the limit. */
  reserve: (check: BudgetCheck) => Promise<BudgetReservation | { refused: true, remaining: number }>
  /** Credits spent (settled) plus reserved in the current period. */
  used: (keyId: string, periodStart: string) => Promise<number>
}

interface Account {
  periodStart: string
  spent: number
  reserved: number
}

/**
 * One process's ledger: settled spend is loaded once per key and period from the store, then kept in memory.
 * Check-and-reserve runs without an await in between, so it is atomic on Node's single thread.
 */
export class MemoryBudgetLedger implements BudgetLedger {
  private readonly accounts = new Map<string, Account>()
  private readonly loading = new Map<string, Promise<Account>>()

  constructor (private readonly spentSince: (keyId: string, since: string) => Promise<number>) {}

  async reserve ({ keyId, periodStart, limit, estimate }: BudgetCheck): Promise<BudgetReservation | { refused: true, remaining: number }> {
    const account = await this.account(keyId, periodStart)
    const remaining = limit - account.spent - account.reserved
    if (estimate > remaining) return { refused: true, remaining: Math.max(0, remaining) }
    account.reserved += estimate
    let settled = false
    return {
      settle: async (actual: number) => {
        if (settled) return
        settled = true
        account.reserved -= estimate
        account.spent += actual
      }
    }
  }

  async used (keyId: string, periodStart: string): Promise<number> {
    const account = await this.account(keyId, periodStart)
    return account.spent + account.reserved
  }

  private async account (keyId: string, periodStart: string): Promise<Account> {
    const known = this.accounts.get(keyId)
    if (known !== undefined && known.periodStart === periodStart) return known
    const id = `${keyId}\u0000${periodStart}`
    let pending = this.loading.get(id)
    if (pending === undefined) {
      pending = this.spentSince(keyId, periodStart).then((spent) => {
        const account = { periodStart, spent, reserved: 0 }
        this.accounts.set(keyId, account)
        return account
      }).finally(() => this.loading.delete(id))
      this.loading.set(id, pending)
    }
    return await pending
  }
}


/** Start (ISO, UTC) of the budget period containing `now`. */
export function periodStart (period: CreditPeriod, now = new Date()): string {
  if (period === 'total') return '1970-01-01T00:00:00.000Z'
  const start = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), period === 'day' ? now.getUTCDate() : 1))
  return start.toISOString()
}
