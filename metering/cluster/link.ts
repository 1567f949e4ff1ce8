import cluster from 'node:cluster'
import { isToWorker, WORKER_SLOT_ENV, type CounterCast, type CounterRequest, type ToPrimary, type ToWorker } from './protocol.js'

interface Pending { resolve: (value: unknown) => void, reject: (err: Error) => void }

/**
 * A cluster worker's line to its primary (node:cluster IPC): requests answered by the primary's counters
 * (metering/cluster/counters.ts), casts that need no answer, and the primary's notices (keys changed, drain).
 * Messages from one worker arrive in the order sent, so a settle cast is applied after the reserve it settles.
 * If the primary is gone, requests fail at once (budgets then refuse with a 503, as with Redis down).
 */
export class ClusterLink {
  private nextId = 1
  private readonly pending = new Map<number, Pending>()
  private readonly keyListeners: Array<() => void> = []
  private readonly drainListeners: Array<() => void> = []

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
      this.send({ hubgate: 'request', id, request }, (err) => {
        this.pending.delete(id)
        reject(err)
      })
    })
  }

  cast (cast: CounterCast): void {
    this.send({ hubgate: 'cast', cast }, () => {})
  }

  /** Runs `listener` when another worker changed access keys (before the primary tells that worker all caches are dropped). */
  onKeysChanged (listener: () => void): void {
    this.keyListeners.push(listener)
  }

  /** Runs `listener` when the primary stops the cluster (SIGTERM to it): drain like on a signal of one's own. */
  onDrain (listener: () => void): void {
    this.drainListeners.push(listener)
  }

  private receive (message: ToWorker): void {
    switch (message.hubgate) {
      case 'answer': {
        const pending = this.pending.get(message.id)
        if (pending === undefined) return
        this.pending.delete(message.id)
        if (message.error !== undefined) pending.reject(new Error(message.error))
        else pending.resolve(message.value)
        return
      }
      case 'keys.changed':
        for (const listener of this.keyListeners) listener()
        this.cast({ op: 'keys.dropped', seq: message.seq })
        return
      case 'drain':
        for (const listener of this.drainListeners) listener()
    }
  }

  private send (message: ToPrimary, failed: (err: Error) => void): void {
    if (process.send === undefined || !process.connected) {
      failed(new Error('the cluster primary is gone'))
      return
    }
    process.send(message, undefined, {}, (err: Error | null) => { if (err !== null) failed(err) })
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
