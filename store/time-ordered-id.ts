import { randomUUID } from 'node:crypto'

/** The millisecond of the last id, and the counter that orders the ids made within it. */
let lastMs = 0
let counter = 0
/** timeText(lastMs), written whenever lastMs changes: the ids of one millisecond share it. */
let timePart = timeText(lastMs)
const MAX_COUNTER = 0xfff

/**
 * A UUIDv7 (RFC 9562): the millisecond time first, so new usage rows append to the primary-key index instead of
 * landing on a random page of it, which halves the cost of an insert into a table of millions of rows (measured on
 * SQLite). Its random bits come from Node's randomUUID, which draws from a cached entropy pool: the `uuid` package's
 * v7 asks WebCrypto for 16 fresh bytes per id, which cost ~20 µs a call on this path.
 *
 * Monotonic within the process (RFC 9562 §6.2, method 1): the 12 bits after the version are a counter restarted at
 * each new millisecond, so ids made in one millisecond still sort in the order they were made (lists ordered by time
 * and then id, such as the audit log, keep that order); a clock that steps back reuses the last millisecond, and the
 * 4096th id of one millisecond borrows the next.
 */
export function timeOrderedId (now = Date.now()): string {
  if (now > lastMs) {
    lastMs = now
    counter = 0
    timePart = timeText(lastMs)
  } else if (++counter > MAX_COUNTER) {
    lastMs++
    counter = 0
    timePart = timeText(lastMs)
  }
  // a v4 id is xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx: its variant and last 62 random bits are kept
  return `${timePart}${counter.toString(16).padStart(3, '0')}${randomUUID().slice(18)}`
}

/** `xxxxxxxx-xxxx-7` of a millisecond: the 48-bit time and the version. */
function timeText (ms: number): string {
  const time = ms.toString(16).padStart(12, '0')
  return `${time.slice(0, 8)}-${time.slice(8)}-7`
}
