import { chmodSync, closeSync, fsyncSync, mkdirSync, openSync, statSync } from 'node:fs'

/**
 * DATA_DIR holds the server secret, the SQLite database (key hashes, sealed provider credentials) and the usage
 * journal: only the gateway's own user may read it. A directory this process creates is made 0700 whatever the
 * umask; one that already exists (an operator's volume) is left as it is.
 */
export function ensurePrivateDir (dir: string): void {
  if (mkdirSync(dir, { recursive: true, mode: 0o700 }) !== undefined) chmodSync(dir, 0o700)
}

/**
 * The SQLite database file is created 0600 before SQLite opens it (SQLite gives its -wal and -shm files the
 * database file's mode), and existing files readable by others are tightened to 0600.
 */
export function privateSqliteFiles (path: string): void {
  closeSync(openSync(path, 'a', 0o600))
  for (const file of [path, `${path}-wal`, `${path}-shm`]) {
    try {
      if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600)
    } catch (err) {
      // no such file yet, or owned by someone else: nothing this process may do about it
      if (!['ENOENT', 'EPERM'].includes((err as NodeJS.ErrnoException).code ?? '')) throw err
    }
  }
}

/** Makes a rename or link in `dir` durable; a file system that cannot sync a directory is left to its own devices. */
export function syncDir (dir: string): void {
  let fd: number | undefined
  try {
    fd = openSync(dir, 'r')
    fsyncSync(fd)
  } catch {
    // Windows and some network file systems cannot open or sync a directory
  } finally {
    if (fd !== undefined) closeSync(fd)
  }
}
