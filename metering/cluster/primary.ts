import cluster, { type Worker } from 'node:cluster'
import { join } from 'node:path'
import type { FastifyBaseLogger } from 'fastify'
import { AggregatorRegistry } from 'prom-client'
import { lockDataDir } from '../data-dir-lock.js'
import { adoptJournalSegments, workerJournalDir } from '../usage-journal.js'
import { ClusterCounters } from './counters.js'
import { isToPrimary, WORKER_SLOT_ENV, type CounterRequest, type ToWorker } from './protocol.js'

export interface PrimaryOptions {
  workers: number
  dataDir: string
  dataDirLockWaitMs: number
  /** How long workers may drain after SIGTERM before they are killed (their own grace, plus a margin). */
  drainBackstopMs: number
  log: FastifyBaseLogger
}

/** How long a key change waits for every other worker to drop its cached keys (a stalled worker sees it via SQLite anyway). */
const KEY_ACK_WAIT_MS = 1_000
const SWEEP_MS = 60_000

/**
 * The cluster primary (WORKERS > 1): it serves no request itself. It holds the DATA_DIR lock for all its workers (a
 * second independent process on that DATA_DIR is still refused), hands each of them a journal folder of its own,
 * forks them on the one port, keeps the limits every worker shares (ClusterCounters), relays key changes, aggregates
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
  const relay = new KeyChangeRelay()
  let stopping = false

  const answer = (worker: Worker, id: number, value: unknown, error?: string): void => {
    if (worker.isConnected()) worker.send({ hubgate: 'answer', id, ...(error === undefined ? { value } : { error }) } satisfies ToWorker)
  }
  const serve = (worker: Worker, id: number, request: CounterRequest): void => {
    switch (request.op) {
      case 'budget.reserve': answer(worker, id, counters.reserve(worker.id, request.account, request.limit, request.estimate)); return
      case 'budget.seed': counters.seed(request.account, request.spent); answer(worker, id, null); return
      case 'budget.used': answer(worker, id, counters.used(request.account)); return
      case 'tokens.take': answer(worker, id, counters.take(request.key, request.tokens, request.limit)); return
      case 'slots.acquire': answer(worker, id, counters.acquire(worker.id, request.key, request.limit)); return
      case 'rpm.incr': answer(worker, id, counters.incr(request.key, request.windowMs)); return
      case 'keys.changed': relay.announce(worker, Object.values(cluster.workers ?? {}), () => { answer(worker, id, null) }); return
      case 'metrics':
        metrics.clusterMetrics().then((text) => { answer(worker, id, text) }, (err: Error) => { answer(worker, id, undefined, err.message) })
    }
  }

  const fork = (slot: number): void => {
    const worker = cluster.fork({ [WORKER_SLOT_ENV]: String(slot) })
    let listening = false
    worker.on('listening', () => { listening = true })
    worker.on('message', (message: unknown) => {
      if (!isToPrimary(message)) return
      if (message.hubgate === 'request') serve(worker, message.id, message.request)
      else if (message.cast.op === 'keys.dropped') relay.dropped(worker, message.cast.seq)
      else counters.apply(message.cast)
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
 * A key change made by one worker reaches every other before the change's answer goes out: each drops its cached
 * keys and says so, and the changing worker answers its admin request once all have (or KEY_ACK_WAIT_MS passed).
 * So a key revoked through any worker is refused by all of them from the next request on.
 */
class KeyChangeRelay {
  private seq = 0
  private readonly waiting = new Map<number, { workers: Set<number>, done: () => void, timer: NodeJS.Timeout }>()

  announce (from: Worker, all: Array<Worker | undefined>, done: () => void): void {
    const seq = ++this.seq
    const others = all.filter((worker): worker is Worker => worker !== undefined && worker !== from && worker.isConnected())
    if (others.length === 0) { done(); return }
    const timer = setTimeout(() => { this.finish(seq) }, KEY_ACK_WAIT_MS)
    this.waiting.set(seq, { workers: new Set(others.map((worker) => worker.id)), done, timer })
    for (const worker of others) worker.send({ hubgate: 'keys.changed', seq } satisfies ToWorker)
  }

  dropped (worker: Worker, seq: number): void {
    const entry = this.waiting.get(seq)
    if (entry === undefined) return
    entry.workers.delete(worker.id)
    if (entry.workers.size === 0) this.finish(seq)
  }

  /** A worker that exited will never answer; its replacement starts with an empty cache. */
  gone (worker: Worker): void {
    for (const seq of [...this.waiting.keys()]) this.dropped(worker, seq)
  }

  private finish (seq: number): void {
    const entry = this.waiting.get(seq)
    if (entry === undefined) return
    this.waiting.delete(seq)
    clearTimeout(entry.timer)
    entry.done()
  }
}
