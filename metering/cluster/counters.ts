import { MemoryTokenWindow, type TakeAnswer } from '../token-window/memory.js'
import type { CounterCast, CounterRequest, ReserveAnswer, RpmAnswer } from './protocol.js'

/** An account idle this long (and with nothing reserved) is dropped, to be re-seeded from the store (as in Redis). */
const ACCOUNT_IDLE_MS = 3_600_000
/**
 * Accounts held at most: apps (perAppCreditLimit) are named by callers, who could name a new one per call. Past it
 * the oldest idle accounts are dropped at once (re-seeded from the store if they call again).
 */
const MAX_ACCOUNTS = 100_000

interface Account { spent: number, reserved: number, touchedAt: number }
interface Reservation { owner: number, account: Account, estimate: number }
interface Lease { owner: number, key: string }

/**
 * Budgets, tokens per minute, concurrent-call slots and requests per minute of every worker of one machine, held by
 * the primary and changed only by its single thread, one message at a time: check-and-take is atomic across workers
 * without locks, so every limit is exact (no per-worker share). It is the Redis backends' model (metering/ledger/redis.ts
 * and siblings) in process memory: an account starts from the store's settled spend, which the worker that first needs
 * it reads and seeds. What a dead worker held is let go by `forget`: its slots free, its reservations count as spent.
 */
export class ClusterCounters {
  private readonly accounts = new Map<string, Account>()
  private readonly reservations = new Map<number, Reservation>()
  private readonly tokens: MemoryTokenWindow
  private readonly slots = new Map<string, number>()
  private readonly leases = new Map<number, Lease>()
  private readonly rpm = new Map<string, { end: number, count: number }>()
  private nextTicket = 1

  constructor (private readonly now: () => number = Date.now, private readonly maxAccounts = MAX_ACCOUNTS) {
    this.tokens = new MemoryTokenWindow(now)
  }

  /** The answer to a worker's counter request; undefined for the requests the primary answers itself (keys, metrics). */
  answer (owner: number, request: CounterRequest): unknown {
    switch (request.op) {
      case 'budget.reserve': return this.reserve(owner, request.account, request.limit, request.estimate)
      case 'budget.seed': this.seed(request.account, request.spent); return null
      case 'budget.used': return this.used(request.account)
      case 'tokens.take': return this.take(request.key, request.tokens, request.limit)
      case 'slots.acquire': return this.acquire(owner, request.key, request.limit)
      case 'rpm.incr': return this.incr(request.key, request.windowMs)
      default: return undefined
    }
  }

  reserve (owner: number, account: string, limit: number, estimate: number): ReserveAnswer {
    const held = this.accounts.get(account)
    if (held === undefined) return { outcome: 'unseeded' }
    held.touchedAt = this.now()
    const remaining = limit - held.spent - held.reserved
    if (estimate > remaining) return { outcome: 'refused', remaining: Math.max(0, remaining) }
    held.reserved += estimate
    const ticket = this.nextTicket++
    this.reservations.set(ticket, { owner, account: held, estimate })
    return { outcome: 'reserved', ticket }
  }

  /** Only when absent: workers seeding at once from the same store agree. */
  seed (account: string, spent: number): void {
    if (this.accounts.has(account)) return
    this.accounts.set(account, { spent, reserved: 0, touchedAt: this.now() })
    for (const [id, held] of this.accounts) {
      if (this.accounts.size <= this.maxAccounts) break
      if (held.reserved < 1e-9) this.accounts.delete(id)
    }
  }

  used (account: string): number | null {
    const held = this.accounts.get(account)
    return held === undefined ? null : held.spent + held.reserved
  }

  take (key: string, tokens: number, limit: number): TakeAnswer {
    return this.tokens.takeNow(key, tokens, limit)
  }

  acquire (owner: number, key: string, limit: number): number | null {
    const count = this.slots.get(key) ?? 0
    if (count >= limit) return null
    this.slots.set(key, count + 1)
    const lease = this.nextTicket++
    this.leases.set(lease, { owner, key })
    return lease
  }

  /** A fixed window from the key's first request, like @fastify/rate-limit's LocalStore. */
  incr (key: string, windowMs: number): RpmAnswer {
    const now = this.now()
    let window = this.rpm.get(key)
    if (window === undefined || window.end <= now) {
      window = { end: now + windowMs, count: 0 }
      this.rpm.set(key, window)
    }
    window.count++
    return { current: window.count, ttl: window.end - now }
  }

  apply (cast: CounterCast): void {
    switch (cast.op) {
      case 'budget.settle': {
        const reservation = this.reservations.get(cast.ticket)
        if (reservation === undefined) return
        this.reservations.delete(cast.ticket)
        reservation.account.reserved -= reservation.estimate
        reservation.account.spent += cast.actual
        return
      }
      case 'tokens.adjust': this.tokens.adjustNow(cast.key, cast.delta); return
      case 'slots.release': this.release(cast.lease)
    }
  }

  /**
   * A worker died: its calls are gone, so their slots free; what they reserved counts as spent at the reserved
   * (worst-case) amount, since they may have been served and their records reach the store only when the restarted
   * worker replays its journal. The account is exact again once it is re-seeded after an idle hour.
   */
  forget (owner: number): void {
    for (const [lease, held] of this.leases) if (held.owner === owner) this.release(lease)
    for (const [ticket, reservation] of this.reservations) {
      if (reservation.owner !== owner) continue
      this.reservations.delete(ticket)
      reservation.account.reserved -= reservation.estimate
      reservation.account.spent += reservation.estimate
    }
  }

  /** Drops past windows and idle accounts (run every minute or so), so memory follows the keys in use. */
  sweep (): void {
    const now = this.now()
    this.tokens.sweep()
    for (const [key, window] of this.rpm) if (window.end <= now) this.rpm.delete(key)
    for (const [id, account] of this.accounts) {
      // float sums of reservations leave dust: nothing reserved means below a billionth of a credit
      if (account.reserved < 1e-9 && now - account.touchedAt >= ACCOUNT_IDLE_MS) this.accounts.delete(id)
    }
  }

  private release (lease: number): void {
    const held = this.leases.get(lease)
    if (held === undefined) return
    this.leases.delete(lease)
    const left = (this.slots.get(held.key) ?? 1) - 1
    if (left > 0) this.slots.set(held.key, left)
    else this.slots.delete(held.key)
  }
}
