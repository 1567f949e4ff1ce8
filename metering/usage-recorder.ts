import type { FastifyBaseLogger } from 'fastify'
import { usageRowIdentity, type UsageRowValues } from '#store/usage.js'
import { UsageJournal } from './usage-journal.js'

export interface UsageRecorderOptions {
  /** Writes records' rows (store/usage.ts usageRowValues) to the store. */
  write: (batch: UsageRowValues[]) => Promise<void>
  log: FastifyBaseLogger
  flushMs: number
  batchSize: number
  /** Records kept in memory while the store is failing; beyond it the oldest are dropped (loudly). */
  maxBuffer: number
  /** Directory of the write-ahead journal (DATA_DIR/usage-journal): every record is there until it is in the store. */
  journalDir: string
  /** A flush closes the journal segment being appended to once it is this old (default 1000 ms); 0: at every flush. */
  segmentRotateMs?: number
  /** The spool file earlier versions wrote at shutdown: replayed once at start, then deleted. */
  legacySpoolFile?: string
  onDropped?: (count: number) => void
  /**
   * Whether a failed write means the store refused a record's content (it would refuse it again), rather than that
   * the store is unavailable. Such a batch is retried a record at a time, and the records refused alone are dropped.
   */
  isRejection?: (err: unknown) => boolean
  /** Records the store refused on their own (logged with their id and model), dropped instead of retried forever. */
  onRejected?: (count: number) => void
  onWriteFailed?: () => void
  /** Every failed open or write of the journal (records then wait in memory only). */
  onJournalFailed?: () => void
}

/** A record's row waiting for the store, and the journal segment holding it (undefined: in memory only). */
interface Pending {
  row: UsageRowValues
  segment: string | undefined
}

/**
 * Writes usage records off the request path in batches. `add()` first appends the record to a local journal
 * (metering/usage-journal.ts; one write for all the records of an event-loop turn, which `written()` waits for), so a
 * record is durable before the answer's last byte leaves and a killed process loses nothing: the next start
 * replays the journal. A failing store keeps records buffered
 * (bounded) and retried; what it still refuses at shutdown simply stays in the journal for the next start.
 */
export class UsageRecorder {
  private queue: Pending[] = []
  private flushing: Promise<void> | undefined
  private readonly timer: NodeJS.Timeout
  private readonly journal: UsageJournal
  private readonly segmentRotateMs: number

  constructor (private readonly options: UsageRecorderOptions) {
    this.journal = new UsageJournal(options.journalDir, options.log, options.onJournalFailed)
    this.segmentRotateMs = options.segmentRotateMs ?? 1_000
    this.queue = this.journal.replay(options.legacySpoolFile)
    this.dropOverflow()
    this.timer = setInterval(() => { void this.flush() }, options.flushMs)
    this.timer.unref()
  }

  get pending (): number {
    return this.queue.length
  }

  /** Resolves once every record added so far is in the journal; undefined when none is waiting (see UsageJournal). */
  written (): Promise<void> | undefined {
    return this.journal.written()
  }

  /** Takes a record as its usage_records row (store/usage.ts usageRowValues): journaled as it is, then stored. */
  add (row: UsageRowValues): void {
    this.queue.push({ row, segment: this.journal.append(row) })
    this.dropOverflow()
    if (this.queue.length >= this.options.batchSize) void this.flush()
  }

  /** Writes everything queued now; one flush at a time, later calls wait for the running one and go again. */
  async flush (): Promise<void> {
    while (this.flushing !== undefined) await this.flushing
    if (this.queue.length === 0) {
      // every record is written: an old enough segment is closed and so deleted (an idle gateway keeps none)
      this.journal.rotate(this.segmentRotateMs)
      return
    }
    this.flushing = this.writeQueued().finally(() => { this.flushing = undefined })
    await this.flushing
  }

  /** Final flush with a few retries; what the store still refuses stays journaled for the next start. */
  async close (): Promise<void> {
    clearInterval(this.timer)
    for (let attempt = 0; attempt < 3 && this.queue.length > 0; attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 200 * attempt))
      await this.flush()
    }
    const inMemoryOnly = this.queue.filter((pending) => pending.segment === undefined || !this.journal.holds(pending.segment)).length
    const journaled = this.queue.length - inMemoryOnly
    if (journaled > 0) {
      this.options.log.error({ journaled, dir: this.options.journalDir }, 'store unavailable at shutdown: usage records stay in the journal and are written at the next start')
    }
    if (inMemoryOnly > 0) {
      this.options.onDropped?.(inMemoryOnly)
      this.options.log.error({ lost: inMemoryOnly }, 'usage records LOST: store unavailable at shutdown and the journal was not writable')
    }
    this.queue = []
    this.journal.close()
  }

  private async writeQueued (): Promise<void> {
    // a closed segment is deleted once its records are written; the open one, when it closes with none outstanding
    this.journal.rotate(this.segmentRotateMs)
    const batch = this.queue.splice(0, this.options.batchSize * 10)
    try {
      await this.options.write(batch.map((pending) => pending.row))
      this.release(batch)
    } catch (err) {
      const unwritten = this.options.isRejection?.(err) === true ? await this.writeOneByOne(batch) : batch
      if (unwritten.length === 0) return
      // keep them, oldest first, for the next attempt (their segments stay until they are written)
      this.queue = unwritten.concat(this.queue)
      this.options.onWriteFailed?.()
      this.options.log.warn({ err, buffered: this.queue.length }, 'could not write usage records; will retry')
    }
  }

  /**
   * A batch the store refused for its content: one record it can never take must not hold the others back forever.
   * Each is written alone; one refused alone is dropped (loudly), and at the first failure of another kind (the store
   * went away meanwhile) the rest is answered as still to write.
   */
  private async writeOneByOne (batch: Pending[]): Promise<Pending[]> {
    for (const [index, pending] of batch.entries()) {
      try {
        await this.options.write([pending.row])
      } catch (err) {
        if (this.options.isRejection?.(err) !== true) return batch.slice(index)
        this.options.onRejected?.(1)
        this.options.log.error({ err, ...usageRowIdentity(pending.row) }, 'usage record DROPPED: the store refuses its content')
      }
      this.release([pending])
    }
    return []
  }

  private dropOverflow (): void {
    if (this.queue.length <= this.options.maxBuffer) return
    const dropped = this.queue.splice(0, this.queue.length - this.options.maxBuffer)
    this.release(dropped)
    this.options.onDropped?.(dropped.length)
    this.options.log.error({ dropped: dropped.length }, 'usage buffer full: oldest usage records DROPPED (store unavailable too long)')
  }

  /** Releases journal segments of records written (or dropped), counting runs of one segment at once. */
  private release (done: Pending[]): void {
    let segment: string | undefined
    let count = 0
    for (const pending of done) {
      if (pending.segment === segment) {
        count++
        continue
      }
      if (segment !== undefined) this.journal.release(segment, count)
      segment = pending.segment
      count = 1
    }
    if (segment !== undefined) this.journal.release(segment, count)
  }
}
