/**
 * The messages between a cluster worker and its primary (node:cluster IPC, JSON). A worker asks, the primary answers
 * with the request's id; a `cast` is a request that needs no answer (settling, giving a slot back). What one side
 * has to say in one turn of its event loop goes as one batch: each IPC message costs a serialization and a syscall
 * on both sides, and under load tens of calls are admitted per turn. Every message carries `hubgate`, so other
 * users of the channel (prom-client's metrics aggregation) pass by.
 */
export type CounterRequest =
  | { op: 'budget.reserve', account: string, limit: number, estimate: number }
  | { op: 'budget.seed', account: string, spent: number }
  | { op: 'budget.used', account: string }
  | { op: 'tokens.take', key: string, tokens: number, limit: number }
  | { op: 'slots.acquire', key: string, limit: number }
  | { op: 'rpm.incr', key: string, windowMs: number }
  /**
   * The sender made an admin change (access keys, the model catalog, …): the primary tells every other worker and
   * answers once they have dropped their cached keys and re-read their catalogs.
   */
  | { op: 'admin.changed' }
  /** The metrics of every worker, aggregated (prom-client's AggregatorRegistry, in the primary). */
  | { op: 'metrics' }

export type CounterCast =
  | { op: 'budget.settle', ticket: number, actual: number }
  | { op: 'tokens.adjust', key: string, delta: number }
  | { op: 'slots.release', lease: number }
  | { op: 'admin.applied', seq: number }

export type ReserveAnswer =
  | { outcome: 'unseeded' }
  | { outcome: 'refused', remaining: number }
  | { outcome: 'reserved', ticket: number }

export interface RpmAnswer { current: number, ttl: number }

export type PrimaryItem = { id: number, request: CounterRequest } | { cast: CounterCast }
export interface Answer { id: number, value?: unknown, error?: string }

/** Worker → primary. */
export interface ToPrimary { hubgate: 'batch', items: PrimaryItem[] }

/** Primary → worker. */
export type ToWorker =
  | { hubgate: 'answers', items: Answer[] }
  | { hubgate: 'admin.changed', seq: number }
  | { hubgate: 'drain' }

export function isToPrimary (message: unknown): message is ToPrimary {
  return (message as { hubgate?: unknown } | null)?.hubgate === 'batch'
}

export function isToWorker (message: unknown): message is ToWorker {
  const kind = (message as { hubgate?: unknown } | null)?.hubgate
  return kind === 'answers' || kind === 'admin.changed' || kind === 'drain'
}

/** The environment variable the primary gives each worker: its slot (1…WORKERS), kept by the worker that replaces it. */
export const WORKER_SLOT_ENV = 'HUBGATE_WORKER_SLOT'
