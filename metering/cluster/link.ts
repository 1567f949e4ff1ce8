import cluster from 'node:cluster'
import { isToWorker, WORKER_SLOT_ENV, type CounterCast, type CounterRequest, type PrimaryItem, type ToPrimary, type ToWorker } from './protocol.js'

interface Pending { resolve: (value: unknown) => void, reject: (err: Error) => void }

/**
 * A cluster worker's line to its primary (node:cluster IPC): requests answered by the primary's counters
 * (metering/cluster/counters.ts), casts that need no answer, and the primary's notices (an admin change, drain).
 * Messages from one worker arrive in the order sent, so a settle cast is applied after the reserve it settles.
 * If the primary is gone, requests fail at once (budgets then refuse with a 503, as with Redis down).
 */
export class ClusterLink {
  private nextId = 1
  private readonly pending = new Map<number, Pending>()
  private readonly adminListeners: Array<() => void | Promise<void>> = []
  private readonly drainListeners: Array<() => void> = []
  /** What this turn of the event loop has to say, sent together at its end. */
  private outbox: PrimaryItem[] = []

  constructor (readonly slot: number) {
    process.on('message', (message: unknown) => { if (isToWorker(message)) this.receive(message) })
    process.once('disconnect', () => {
      for (const { reject } of this.pending.values()) reject(new Error('the cluster primary is gone'))
      this.pending.clear()
    })
  }

  async request<T> (request: CounterRequest): Promise<T> {
    const id = this.nextId++
    return await new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject })
      this.post({ id, request })
    })
  }

  cast (cast: CounterCast): void {
    this.post({ cast })
  }

  /**
   * Runs `listener` when another worker made an admin change; the primary hears it applied once every listener has
   * settled (a failed one included: that worker then catches up on its own schedule), and only then answers that worker.
   */
  onAdminChange (listener: () => void | Promise<void>): void {
    this.adminListeners.push(listener)
  }

  /** Runs `listener` when the primary stops the cluster (SIGTERM to it): drain like on a signal of one's own. */
  onDrain (listener: () => void): void {
    this.drainListeners.push(listener)
  }

  private receive (message: ToWorker): void {
    switch (message.hubgate) {
      case 'answers':
        for (const answer of message.items) {
          const pending = this.pending.get(answer.id)
          if (pending === undefined) continue
          this.pending.delete(answer.id)
          if (answer.error !== undefined) pending.reject(new Error(answer.error))
          else pending.resolve(answer.value)
        }
        return
      case 'admin.changed': {
        const seq = message.seq
        void Promise.allSettled(this.adminListeners.map(async (listener) => { await listener() }))
          .then(() => { this.cast({ op: 'admin.applied', seq }) })
        return
      }
      case 'drain':
        for (const listener of this.drainListeners) listener()
    }
  }

  private post (item: PrimaryItem): void {
    this.outbox.push(item)
    if (this.outbox.length === 1) setImmediate(() => { this.flush() })
  }

  private flush (): void {
    const items = this.outbox
    this.outbox = []
    const failed = (err: Error): void => {
      for (const item of items) {
        if (!('id' in item)) continue
        this.pending.get(item.id)?.reject(err)
        this.pending.delete(item.id)
      }
    }
    if (process.send === undefined || !process.connected) {
      failed(new Error('the cluster primary is gone'))
      return
    }
    process.send({ hubgate: 'batch', items } satisfies ToPrimary, undefined, {}, (err: Error | null) => { if (err !== null) failed(err) })
  }
}

let link: ClusterLink | undefined

/** This process's link when it is a worker of a Hubgate cluster (WORKERS > 1); undefined in a single process. */
export function clusterLink (): ClusterLink | undefined {
  if (link !== undefined) return link
  const slot = Number(process.env[WORKER_SLOT_ENV])
  if (!cluster.isWorker || !Number.isInteger(slot) || slot < 1) return undefined
  link = new ClusterLink(slot)
  return link
}
