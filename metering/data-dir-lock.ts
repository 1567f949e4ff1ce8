import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import type { FastifyBaseLogger } from 'fastify'
import { lock } from 'proper-lockfile'
import { ensurePrivateDir } from '#store/private-files.js'

/** The lock directory inside DATA_DIR. */
export const LOCK_NAME = 'hubgate.lock'
/**
 * A holder refreshes its lock's mtime every STALE_MS / 2; a lock not refreshed for STALE_MS belongs to a process
 * that died without releasing it (SIGKILL, OOM kill, power loss) and is taken over.
 */
const STALE_MS = 10_000
const POLL_MS = 250

export class DataDirInUseError extends Error {
  constructor (dir: string, waitedMs: number) {
    super(`DATA_DIR ${dir} is in use by another running Hubgate process (still held after ${waitedMs} ms): ` +
      'every replica needs its own DATA_DIR, because its usage journal there is replayed and deleted by whoever owns it')
    this.name = 'DataDirInUseError'
  }
}

/**
 * One gateway process per DATA_DIR. The usage journal in it is replayed, then deleted, by the process that starts
 * on it: a second live process on the same directory would take the first one's unwritten records (and delete the
 * segment it is still appending to, so a crash of the first would lose them). A process that finds the directory
 * held waits up to `waitMs` (a replica being replaced drains and exits; a crashed one's lock goes stale in 10 s),
 * then refuses to start. A directory where no lock can be made (read-only) is used unlocked, with a warning: the
 * journal falls back to memory there anyway. Resolves with the release function, or undefined when unlocked.
 */
export async function lockDataDir (dir: string, waitMs: number, log: FastifyBaseLogger): Promise<(() => Promise<void>) | undefined> {
  const started = Date.now()
  let waiting = false
  for (;;) {
    try {
      ensurePrivateDir(dir)
      return await lock(dir, {
        realpath: false,
        lockfilePath: join(dir, LOCK_NAME),
        stale: STALE_MS,
        onCompromised: (err) => {
          // someone removed or took over the lock (a second process on this DATA_DIR): loud, but serving goes on
          log.error({ err, dir }, 'lost the lock on DATA_DIR: another process may be using it, and its usage journal with it')
        }
      })
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ELOCKED') {
        log.warn({ err, dir }, 'could not lock DATA_DIR; running without the guard against a second process on it')
        return undefined
      }
      const waited = Date.now() - started
      if (waited >= waitMs) throw new DataDirInUseError(dir, waited)
      if (!waiting) {
        waiting = true
        log.warn({ dir, waitMs }, 'DATA_DIR is locked by another Hubgate process; waiting for it to exit')
      }
      await sleep(Math.min(POLL_MS, waitMs - waited))
    }
  }
}
