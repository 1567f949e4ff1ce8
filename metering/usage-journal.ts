import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeSync, type Dirent } from 'node:fs'
import { join, resolve } from 'node:path'
import type { FastifyBaseLogger } from 'fastify'
import { journaledUsageRow, type UsageRowValues } from '#store/usage.js'

/** A record's row read back from the journal at start, with the segment file that holds it. */
export interface JournaledRow {
  row: UsageRowValues
  segment: string
}

/**
 * The usage write-ahead journal: every record is appended, as one JSON line, to a segment file in `dir` before
 * the client sees the end of its answer; a segment is deleted once every record in it is in the store. The line is
 * the record's usage_records row as positional values (store/usage.ts usageRowValues): the one serialization a call's
 * record gets, and the very values the store's insert binds.
 *
 * Guarantee: `writeSync` hands the line to the kernel, and the kernel's page cache outlives the process, so a crash,
 * SIGKILL or OOM kill loses no record; the next start replays the leftover segments (the store ignores a record id
 * it already has, so replaying a record that was written just before the kill is harmless). There is no fsync per
 * record, which would cost a disk flush on every call: a power loss or kernel crash can lose the records of the last
 * few seconds that the kernel had not written back yet.
 *
 * Group commit: the lines appended during one turn of the event loop are written together, by one `writeSync` right
 * after the I/O phase (setImmediate); `written()` is what a call awaits before the end of its answer goes out. Under
 * load, tens of calls finish in one turn, and a syscall per record was the largest cost of metering.
 *
 * Segments are per process run (`<start>-<pid>-<n>.jsonl`), rotated by a flush once they are old enough (a second by
 * default: a file created and deleted per flush cost every call a share of three syscalls), so a finished segment can
 * be deleted as a whole. A journal that cannot be written (DATA_DIR read-only, disk full) logs an error once and the
 * recorder goes on in memory, retrying the journal at the next rotation: usage is never a reason to fail a request.
 */
export class UsageJournal {
  private fd: number | undefined
  /** The segment being appended to (its path), while one is open. */
  private current: string | undefined
  private linesInCurrent = 0
  /** When the current segment was opened (performance.now()). */
  private openedAt = 0
  private sequence = 0
  /** Records of each segment not yet in the store. */
  private readonly outstanding = new Map<string, number>()
  private readonly runPrefix = `${Date.now().toString(36)}-${process.pid}`
  /** Set after a failure: no new attempt until the next rotation (not one failing syscall per call). */
  private broken = false
  private failing = false
  /** DATA_DIR/usage-journal is made once, not at every rotation (again after a failure: it may have been removed). */
  private dirMade = false
  /** Lines appended to the current segment and not written yet (written together: see writePending). */
  private pending: string[] = []
  /** Resolves once the pending lines are written (or their write failed); undefined while none are pending. */
  private pendingWritten: Promise<void> | undefined
  /** Segments whose pending lines could not be written: their records are in memory only. */
  private readonly torn = new Set<string>()

  /** `onFailure` is told of every failed open or write (a metric: the error is logged only once per outage). */
  constructor (private readonly dir: string, private readonly log: FastifyBaseLogger, private readonly onFailure?: () => void) {}

  /**
   * Appends a record's `row` (written with the others of this event-loop turn: await `written()` before answering);
   * answers the segment that holds it, or undefined when it is only in memory (the journal is not usable).
   */
  append (row: UsageRowValues): string | undefined {
    if (this.fd === undefined && !this.open()) return undefined
    const segment = this.current as string
    this.pending.push(JSON.stringify(row) + '\n')
    this.pendingWritten ??= new Promise((resolve) => setImmediate(() => {
      this.pendingWritten = undefined
      this.writePending()
      resolve()
    }))
    this.linesInCurrent++
    this.outstanding.set(segment, (this.outstanding.get(segment) ?? 0) + 1)
    return segment
  }

  /** Resolves once every record appended so far is written; undefined when none is waiting. */
  written (): Promise<void> | undefined {
    return this.pendingWritten
  }

  /**
   * False when a write to `segment` failed: its records count as in memory only (those written before the failure
   * are still replayed at the next start; the store ignores ids it has).
   */
  holds (segment: string): boolean {
    return !this.torn.has(segment)
  }

  /** Writes the pending lines with one syscall. Runs at the end of the turn, and before a segment closes. */
  private writePending (): void {
    if (this.pending.length === 0 || this.fd === undefined) return
    const text = this.pending.length === 1 ? this.pending[0] as string : this.pending.join('')
    this.pending = []
    try {
      const written = writeSync(this.fd, text)
      if (written !== Buffer.byteLength(text)) throw new Error(`short write to the usage journal (${written} bytes)`)
    } catch (err) {
      // a torn last line is skipped on replay; later records go to a fresh segment
      this.torn.add(this.current as string)
      this.fail(err)
    }
  }

  /**
   * Closes the current segment if it holds records and was opened at least `minAgeMs` ago (called as a flush starts),
   * so it can be deleted once written; a closed segment whose records are all written is deleted at once.
   */
  rotate (minAgeMs: number): void {
    this.broken = false
    if (this.fd === undefined || this.linesInCurrent === 0) return
    // the batch a flush takes is in the journal before it goes to the store
    this.writePending()
    if (this.fd !== undefined && performance.now() - this.openedAt >= minAgeMs) this.closeCurrent()
  }

  /** `count` records of `segment` are in the store (or were dropped); a closed segment with none left is deleted. */
  release (segment: string, count: number): void {
    const left = (this.outstanding.get(segment) ?? 0) - count
    if (left > 0) {
      this.outstanding.set(segment, left)
      return
    }
    this.outstanding.delete(segment)
    this.torn.delete(segment)
    if (segment !== this.current) this.remove(segment)
  }

  /**
   * Every record left by earlier runs, oldest segment first (call before the first append): the segments of this
   * directory and, once, `legacySpool` (the file earlier versions wrote at shutdown). They count as outstanding.
   */
  replay (legacySpool?: string): JournaledRow[] {
    let names: string[] = []
    try {
      names = readdirSync(this.dir).filter((name) => name.endsWith('.jsonl')).sort()
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.fail(err)
    }
    const files = names.map((name) => join(this.dir, name))
    if (legacySpool !== undefined) files.unshift(legacySpool)
    const replayed: JournaledRow[] = []
    for (const file of files) {
      const rows = readRows(file)
      if (rows === undefined) continue
      if (rows.length === 0) {
        this.remove(file)
        continue
      }
      this.outstanding.set(file, rows.length)
      for (const row of rows) replayed.push({ row, segment: file })
    }
    if (replayed.length > 0) this.log.warn({ records: replayed.length, segments: this.outstanding.size }, 'replaying usage records journaled by an earlier run')
    return replayed
  }

  close (): void {
    this.writePending()
    if (this.fd !== undefined) this.closeCurrent()
  }

  private open (): boolean {
    if (this.broken) return false
    const path = join(this.dir, `${this.runPrefix}-${String(++this.sequence).padStart(6, '0')}.jsonl`)
    try {
      if (!this.dirMade) mkdirSync(this.dir, { recursive: true, mode: 0o700 })
      this.dirMade = true
      // 'wx': a fresh file of this run's own, readable by the gateway's user only
      this.fd = openSync(path, 'wx', 0o600)
    } catch (err) {
      this.fail(err)
      return false
    }
    this.current = path
    this.linesInCurrent = 0
    this.openedAt = performance.now()
    if (this.failing) {
      this.failing = false
      this.log.info({ dir: this.dir }, 'usage journal writable again')
    }
    return true
  }

  private closeCurrent (): void {
    const closed = this.current as string
    try {
      closeSync(this.fd as number)
    } catch {}
    this.fd = undefined
    this.current = undefined
    if (!this.outstanding.has(closed)) this.remove(closed)
  }

  private fail (err: unknown): void {
    if (this.fd !== undefined) this.closeCurrent()
    this.broken = true
    this.dirMade = false
    this.onFailure?.()
    if (this.failing) return
    this.failing = true
    this.log.error({ err, dir: this.dir }, 'usage journal not usable: usage records are kept in memory only until it is (a crash would lose them)')
  }

  private remove (file: string): void {
    try {
      rmSync(file, { force: true })
    } catch (err) {
      // harmless: its records are in the store, and replaying them again is a no-op
      this.log.warn({ err, file }, 'could not delete a written usage journal segment')
    }
  }
}

/**
 * The rows of one journal file (lines of this version and of earlier ones); undefined when it cannot be read. Torn or
 * foreign lines are skipped.
 */
function readRows (file: string): UsageRowValues[] | undefined {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch {
    return undefined
  }
  const rows: UsageRowValues[] = []
  for (const line of text.split('\n')) {
    if (line === '') continue
    let row: UsageRowValues | undefined
    try {
      row = journaledUsageRow(JSON.parse(line))
    } catch {}
    if (row !== undefined) rows.push(row)
  }
  return rows
}

/** The journal directory of cluster worker `slot` under DATA_DIR/usage-journal; a replacement worker gets the same one. */
export function workerJournalDir (root: string, slot: number): string {
  return join(root, `worker-${slot}`)
}

/**
 * Moves journal segments no running process would replay into `into`, so they are: with WORKERS changed between
 * runs, a single process adopts what workers left (`worker-*` folders), and a cluster's first worker adopts what a
 * single process or workers beyond the new count left. `keep` names the folders in use (each worker's own). Segment
 * names are unique per run, so nothing is overwritten; call it while holding the DATA_DIR lock, before any replay.
 */
export function adoptJournalSegments (root: string, into: string, keep: ReadonlySet<string>, log: FastifyBaseLogger): void {
  let entries: Dirent[]
  try {
    entries = readdirSync(root, { withFileTypes: true })
  } catch {
    return
  }
  const sources = entries.filter((entry) => entry.isDirectory() && /^worker-\d+$/.test(entry.name) && !keep.has(entry.name)).map((entry) => join(root, entry.name))
  if (resolve(into) !== resolve(root)) sources.push(root)
  let moved = 0
  for (const source of sources) {
    let names: string[]
    try {
      names = readdirSync(source).filter((name) => name.endsWith('.jsonl'))
    } catch {
      continue
    }
    if (names.length === 0) continue
    mkdirSync(into, { recursive: true, mode: 0o700 })
    for (const name of names) {
      renameSync(join(source, name), join(into, name))
      moved++
    }
  }
  if (moved > 0) log.warn({ segments: moved, into }, 'usage journal segments of a run with another WORKERS count adopted, to be replayed')
}
