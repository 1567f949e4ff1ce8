import cluster, { type Worker } from 'node:cluster'
import { join } from 'node:path'
import type { FastifyBaseLogger } from 'fastify'
import { AggregatorRegistry } from 'prom-client'
import { lockDataDir } from '../data-dir-lock.js'
import { adoptJournalSegments, workerJournalDir } from '../usage-journal.js'
import { ClusterCounters } from './counters.js'
import { isToPrimary, WORKER_SLOT_ENV, type Answer, type CounterCast, type CounterRequest, type ToWorker } from './protocol.js'

export interface PrimaryOptions {
  workers: number
  dataDir: string
  dataDirLockWaitMs: number
  /** How long workers may drain after SIGTERM before they are killed (their own grace, plus a margin). */
  drainBackstopMs: number
  log: FastifyBaseLogger
}

/**
 * How long an admin change waits for every other worker to apply it (a stalled worker still sees a key change via
 * SQLite's data_version, a catalog change at its next CATALOG_REFRESH_MS).
 */
const ADMIN_ACK_WAIT_MS = 1_000
const SWEEP_MS = 60_000

/**
 * The cluster primary (WORKERS > 1): it serves no request itself. It holds the DATA_DIR lock for all its workers (a
 * second independent process on that DATA_DIR is still refused), hands each of them a journal folder of its own,
 * forks them on the one port, keeps the limits every worker shares (ClusterCounters), relays admin changes, aggregates
 * /metrics, restarts a worker that dies (the replacement replays the dead one's journal) and on SIGTERM/SIGINT has
 * every worker drain, then exits 0. Resolves once the workers are forked.
 */
export async function runPrimary (options: PrimaryOptions): Promise<void> {
  const { workers: count, log } = options
  const unlock = await lockDataDir(options.dataDir, options.dataDirLockWaitMs, log)
  const journalRoot = join(options.dataDir, 'usage-journal')
  const slots = Array.from({ length: count }, (_, index) => index + 1)
  adoptJournalSegments(journalRoot, workerJournalDir(journalRoot, 1), new Set(slots.map((slot) => `worker-${slot}`)), log)

  const counters = new ClusterCounters()
  const sweep = setInterval(() => { counters.sweep() }, SWEEP_MS)
  sweep.unref()
  const metrics = new AggregatorRegistry()
  const relay = new AdminChangeRelay()
  let stopping = false

  /** The requests the counters do not answer: relayed admin changes and aggregated metrics, answered when done. */
  const serveLater = (worker: Worker, id: number, request: CounterRequest): void => {
    const answer = (item: Answer): void => { if (worker.isConnected()) worker.send({ hubgate: 'answers', items: [item] } satisfies ToWorker) }
    if (request.op === 'admin.changed') relay.announce(worker, Object.values(cluster.workers ?? {}), () => { answer({ id, value: null }) })
    else if (request.op === 'metrics') metrics.clusterMetrics().then((text) => { answer({ id, value: text }) }, (err: Error) => { answer({ id, error: err.message }) })
  }

  const fork = (slot: number): void => {
    const worker = cluster.fork({ [WORKER_SLOT_ENV]: String(slot) })
    let listening = false
    worker.on('listening', () => { listening = true })
    serveCounters(worker, counters, {
      request: (id, request) => { serveLater(worker, id, request) },
      cast: (cast) => { if (cast.op === 'admin.applied') relay.applied(worker, cast.seq) }
    })
    worker.on('exit', (code, signal) => {
      counters.forget(worker.id)
      relay.gone(worker)
      if (stopping) return
      if (!listening) {
        // it failed while starting (a bad setting, a store it cannot open): restarting would fail again, forever
        log.error({ slot, code, signal }, 'a worker failed to start: stopping the cluster')
        stop(code === null || code === 0 ? 1 : code)
        return
      }
      log.error({ slot, code, signal }, 'a worker died: starting its replacement, which replays its usage journal')
      fork(slot)
    })
  }

  const stop = (exitCode: number): void => {
    if (stopping) return
    stopping = true
    clearInterval(sweep)
    const running = Object.values(cluster.workers ?? {}).filter((worker): worker is Worker => worker !== undefined)
    log.info({ workers: running.length }, 'shutting down: every worker drains its in-flight requests')
    const exited = running.map(async (worker) => await new Promise<void>((resolve) => {
      if (worker.isDead()) { resolve(); return }
      worker.once('exit', () => { resolve() })
      if (worker.isConnected()) worker.send({ hubgate: 'drain' } satisfies ToWorker)
      else worker.process.kill('SIGTERM')
    }))
    const backstop = setTimeout(() => {
      for (const worker of running) if (!worker.isDead()) worker.process.kill('SIGKILL')
    }, options.drainBackstopMs)
    void Promise.all(exited).then(async () => {
      clearTimeout(backstop)
      await unlock?.()
      log.info('shutdown complete')
      process.exit(exitCode)
    })
  }
  process.once('SIGTERM', () => { stop(0) })
  process.once('SIGINT', () => { stop(0) })

  for (const slot of slots) fork(slot)
}

/**
 * Answers `worker`'s batches from `counters`: casts applied, requests answered in one batch, in order. What the
 * counters do not handle goes to `other` (the primary's key relay and metrics; nothing in the benchmark).
 */
export function serveCounters (worker: Worker, counters: ClusterCounters, other: { request: (id: number, request: CounterRequest) => void, cast: (cast: CounterCast) => void }): void {
  worker.on('message', (message: unknown) => {
    if (!isToPrimary(message)) return
    const answers: Answer[] = []
    for (const item of message.items) {
      if ('cast' in item) {
        if (item.cast.op === 'admin.applied') other.cast(item.cast)
        else counters.apply(item.cast)
        continue
      }
      const value = counters.answer(worker.id, item.request)
      if (value === undefined) other.request(item.id, item.request)
      else answers.push({ id: item.id, value })
    }
    if (answers.length > 0 && worker.isConnected()) worker.send({ hubgate: 'answers', items: answers } satisfies ToWorker)
  })
}

/**
 * An admin change made through one worker reaches every other before the change's answer goes out: each drops its
 * cached keys and re-reads its model catalog, and says so, and the changing worker answers its admin request once all
 * have (or ADMIN_ACK_WAIT_MS passed). So a key revoked through any worker is refused by all of them from the next
 * request on, and a model's new rate prices the next call on every worker.
 */
class AdminChangeRelay {
  private seq = 0
  private readonly waiting = new Map<number, { workers: Set<number>, done: () => void, timer: NodeJS.Timeout }>()

  announce (from: Worker, all: Array<Worker | undefined>, done: () => void): void {
    const seq = ++this.seq
    const others = all.filter((worker): worker is Worker => worker !== undefined && worker !== from && worker.isConnected())
    if (others.length === 0) { done(); return }
    const timer = setTimeout(() => { this.finish(seq) }, ADMIN_ACK_WAIT_MS)
    this.waiting.set(seq, { workers: new Set(others.map((worker) => worker.id)), done, timer })
    for (const worker of others) worker.send({ hubgate: 'admin.changed', seq } satisfies ToWorker)
  }

  applied (worker: Worker, seq: number): void {
    const entry = this.waiting.get(seq)
    if (entry === undefined) return
    entry.workers.delete(worker.id)
    if (entry.workers.size === 0) this.finish(seq)
  }

  /** A worker that exited will never answer; its replacement starts with an empty cache. */
  gone (worker: Worker): void {
    for (const seq of [...this.waiting.keys()]) this.applied(worker, seq)
  }

  private finish (seq: number): void {
    const entry = this.waiting.get(seq)
    if (entry === undefined) return
    this.waiting.delete(seq)
    clearTimeout(entry.timer)
    entry.done()
  }
}
