import { appendFileSync, readFileSync, rmSync } from 'node:fs'
import type { FastifyBaseLogger } from 'fastify'
import type { UsageRecord } from '../store/usage.js'

export interface UsageRecorderOptions {
  write: (batch: UsageRecord[]) => Promise<void>
  log: FastifyBaseLogger
  flushMs: number
  batchSize: number
  /** Records kept in memory while the store is failing; beyond it the oldest are dropped (loudly). */
  maxBuffer: number
  /** File where records that still cannot be written at shutdown are kept, to be written at the next start. */
  spoolFile: string
  onDropped?: (count: number) => void
  onWriteFailed?: () => void
}

/**
 * Writes usage records off the request path in batches. A failing store keeps records buffered (bounded) and
 * retried; at shutdown whatever the store still refuses goes to a spool file that the next start replays.
 */
export class UsageRecorder {
  private queue: UsageRecord[] = []
  /** Replayed spool records not yet written; the spool file is removed only once they are (writes are idempotent). */
  private replayRemaining = 0
  private flushing: Promise<void> | undefined
  private readonly timer: NodeJS.Timeout

  constructor (private readonly options: UsageRecorderOptions) {
    this.timer = setInterval(() => { void this.flush() }, options.flushMs)
    this.timer.unref()
    this.replaySpool()
  }

  get pending (): number {
    return this.queue.length
  }

  add (record: UsageRecord): void {
    this.queue.push(record)
    if (this.queue.length > this.options.maxBuffer) {
      const dropped = this.queue.splice(0, this.queue.length - this.options.maxBuffer)
      this.options.onDropped?.(dropped.length)
      this.options.log.error({ dropped: dropped.length }, 'usage buffer full: oldest usage records DROPPED (store unavailable too long)')
    }
    if (this.queue.length >= this.options.batchSize) void this.flush()
  }

  /** Writes everything queued now; one flush at a time, later calls wait for the running one and go again. */
  async flush (): Promise<void> {
    while (this.flushing !== undefined) await this.flushing
    if (this.queue.length === 0) return
    this.flushing = this.writeQueued().finally(() => { this.flushing = undefined })
    await this.flushing
  }

  /** Final flush with a few retries; what is still unwritten is spooled to disk, never silently lost. */
  async close (): Promise<void> {
    clearInterval(this.timer)
    for (let attempt = 0; attempt < 3 && this.queue.length > 0; attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 200 * attempt))
      await this.flush()
    }
    if (this.queue.length === 0) return
    try {
      // records replayed from the spool are still in it: rewrite it whole rather than append duplicates
      if (this.replayRemaining > 0) rmSync(this.options.spoolFile, { force: true })
      appendFileSync(this.options.spoolFile, this.queue.map((r) => JSON.stringify(r)).join('\n') + '\n', { mode: 0o600 })
      this.options.log.error({ spooled: this.queue.length, file: this.options.spoolFile }, 'store unavailable at shutdown: usage records spooled to disk for the next start')
    } catch (err) {
      this.options.onDropped?.(this.queue.length)
      this.options.log.error({ err, lost: this.queue.length }, 'usage records LOST: store unavailable and spool file not writable')
    }
    this.queue = []
  }

  private async writeQueued (): Promise<void> {
    const batch = this.queue.splice(0, this.options.batchSize * 10)
    try {
      await this.options.write(batch)
      if (this.replayRemaining > 0) {
        this.replayRemaining = Math.max(0, this.replayRemaining - batch.length)
        if (this.replayRemaining === 0) rmSync(this.options.spoolFile, { force: true })
      }
    } catch (err) {
      // keep them, oldest first, for the next attempt
      this.queue = batch.concat(this.queue)
      this.options.onWriteFailed?.()
      this.options.log.warn({ err, buffered: this.queue.length }, 'could not write usage records; will retry')
    }
  }

  private replaySpool (): void {
    let text: string
    try {
      text = readFileSync(this.options.spoolFile, 'utf8')
    } catch {
      return
    }
    const records = text.split('\n').filter(Boolean).flatMap((line) => {
      try { return [JSON.parse(line) as UsageRecord] } catch { return [] }
    })
    this.queue.push(...records)
    this.replayRemaining = records.length
    this.options.log.warn({ records: records.length }, 'replaying usage records spooled at the last shutdown')
  }
}
