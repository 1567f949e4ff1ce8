export type BreakerState = 'closed' | 'open' | 'half-open'

/** The numbers of hubgate_provider_breaker_state. */
export const BREAKER_STATE_VALUE: Readonly<Record<BreakerState, number>> = { closed: 0, open: 1, 'half-open': 2 }

export interface BreakerSettings {
  /** Consecutive failures that open a provider's circuit. */
  failures: number
  /** How long an open circuit refuses calls before letting one probe through. */
  cooldownMs: number
  /** Clock, replaceable in tests. */
  now?: () => number
}

interface Circuit {
  consecutiveFailures: number
  /** Set while open or half-open: until then calls are refused, after it one probe may go. */
  openUntil: number | undefined
  probeInFlight: boolean
}

/**
 * One circuit breaker per provider. Closed: calls go through and consecutive failures are counted;
 * at `failures` the circuit opens and refuses every call for `cooldownMs` (callers skip to a fallback
 * or answer 503), so a provider that is down stops costing each client a timeout. Then it is
 * half-open: exactly one probe goes through; its success closes the circuit, its failure opens it again.
 * What counts as a failure is the caller's decision (gateway/retry.ts: the provider is down, not
 * the request bad). In memory, per process: each replica learns on its own.
 */
export class CircuitBreakers {
  private readonly circuits = new Map<string, Circuit>()
  private readonly now: () => number

  constructor (private readonly settings: BreakerSettings) {
    this.now = settings.now ?? Date.now
  }

  state (provider: string): BreakerState {
    const openUntil = this.circuits.get(provider)?.openUntil
    if (openUntil === undefined) return 'closed'
    return this.now() < openUntil ? 'open' : 'half-open'
  }

  /** The state of each of `providers`, for readiness and metrics. */
  snapshot (providers: Iterable<string>): Record<string, BreakerState> {
    const out: Record<string, BreakerState> = {}
    for (const id of providers) out[id] = this.state(id)
    return out
  }

  /**
   * Asks to call `provider` now. False while open, and while half-open with the probe already out.
   * A true answer must be followed by exactly one of succeeded, failed or released.
   */
  tryAcquire (provider: string): boolean {
    const state = this.state(provider)
    if (state === 'closed') return true
    if (state === 'open') return false
    const circuit = this.circuit(provider)
    if (circuit.probeInFlight) return false
    circuit.probeInFlight = true
    return true
  }

  /** The provider answered (even a refusal of the request proves it is up): the circuit closes. */
  succeeded (provider: string): void {
    this.circuits.delete(provider)
  }

  failed (provider: string): void {
    const circuit = this.circuit(provider)
    const state = this.state(provider)
    circuit.probeInFlight = false
    if (state === 'open') return // a call started before the circuit opened; the cooldown stands
    circuit.consecutiveFailures++
    if (state === 'half-open' || circuit.consecutiveFailures >= this.settings.failures) {
      circuit.openUntil = this.now() + this.settings.cooldownMs
    }
  }

  /** The attempt ended with no verdict on the provider (the client left): a probe slot is freed. */
  released (provider: string): void {
    const circuit = this.circuits.get(provider)
    if (circuit !== undefined) circuit.probeInFlight = false
  }

  /** Milliseconds until an open circuit lets a probe through (0 when it is not open). */
  retryAfterMs (provider: string): number {
    const openUntil = this.circuits.get(provider)?.openUntil
    return openUntil === undefined ? 0 : Math.max(0, openUntil - this.now())
  }

  private circuit (provider: string): Circuit {
    let circuit = this.circuits.get(provider)
    if (circuit === undefined) {
      circuit = { consecutiveFailures: 0, openUntil: undefined, probeInFlight: false }
      this.circuits.set(provider, circuit)
    }
    return circuit
  }
}
