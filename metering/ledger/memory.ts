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
  /** The account of this app under the key (its perAppCreditLimit) rather than the key's own. */
  app?: string | undefined
  /** Start of the current budget period (ISO); spend before it does not count. */
  periodStart: string
  limit: number
  estimate: number
}

export interface BudgetLedger {
  /** Reserves `estimate`, or answers with what is left when the reservation would pass the limit. */
  reserve: (check: BudgetCheck) => Promise<BudgetReservation | { refused: true, remaining: number }>
  /** Credits spent (settled) plus reserved in the current period, by the key or (with `app`) by that app under it. */
  used: (keyId: string, periodStart: string, app?: string) => Promise<number>
}

/** Settled spend since a time, of a key or (with `app`) of that app under it: what an account starts from. */
export type SpentSince = (keyId: string, since: string, app?: string) => Promise<number>

interface Account {
  periodStart: string
  spent: number
  reserved: number
}

/**
 * App accounts kept at most. Apps are named by the caller (x-aigne-hub-client-did), so a key holder could create
 * one per request: past this many, the least recently used idle one is dropped (and reloaded from the store if
 * its app calls again). Key accounts are bounded by the keys an admin issued and are kept.
 */
export const MAX_APP_ACCOUNTS = 10_000

/**
 * One process's ledger: settled spend is loaded once per key and period from the store, then kept in memory.
 * Check-and-reserve runs without an await in between, so it is atomic on Node's single thread.
 */
export class MemoryBudgetLedger implements BudgetLedger {
  private readonly accounts = new Map<string, Account>()
  private readonly loading = new Map<string, Promise<Account>>()

  constructor (private readonly spentSince: SpentSince, private readonly maxAppAccounts = MAX_APP_ACCOUNTS) {}

  async reserve ({ keyId, app, periodStart, limit, estimate }: BudgetCheck): Promise<BudgetReservation | { refused: true, remaining: number }> {
    const account = await this.account(keyId, periodStart, app)
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

  async used (keyId: string, periodStart: string, app?: string): Promise<number> {
    const account = await this.account(keyId, periodStart, app)
    return account.spent + account.reserved
  }

  /** The key's account, or its app's (a key id has no NUL, so the two never meet). */
  private async account (keyId: string, periodStart: string, app: string | undefined): Promise<Account> {
    const owner = app === undefined ? keyId : `${keyId}\u0000${app}`
    const known = this.accounts.get(owner)
    if (known !== undefined && known.periodStart === periodStart) {
      if (app !== undefined) this.touch(owner, known)
      return known
    }
    const id = `${owner}\u0000${periodStart}`
    let pending = this.loading.get(id)
    if (pending === undefined) {
      pending = this.spentSince(keyId, periodStart, app).then((spent) => {
        const account = { periodStart, spent, reserved: 0 }
        this.accounts.set(owner, account)
        if (app !== undefined) this.touch(owner, account)
        return account
      }).finally(() => this.loading.delete(id))
      this.loading.set(id, pending)
    }
    return await pending
  }

  private readonly appAccounts = new Map<string, Account>()

  /** Marks an app account most recently used and drops the least recently used idle ones past the cap. */
  private touch (owner: string, account: Account): void {
    this.appAccounts.delete(owner)
    this.appAccounts.set(owner, account)
    if (this.appAccounts.size <= this.maxAppAccounts) return
    for (const [oldest, idle] of this.appAccounts) {
      if (this.appAccounts.size <= this.maxAppAccounts) break
      if (idle.reserved !== 0) continue // a call in flight settles into it: keep it
      this.appAccounts.delete(oldest)
      this.accounts.delete(oldest)
    }
  }
}


/** Start (ISO, UTC) of the budget period containing `now`. */
export function periodStart (period: CreditPeriod, now = new Date()): string {
  if (period === 'total') return '1970-01-01T00:00:00.000Z'
  const start = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), period === 'day' ? now.getUTCDate() : 1))
  return start.toISOString()
}
