import { randomBytes } from 'node:crypto'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

/**
 * The server secret keys the access-key HMAC (and later encrypts provider credentials).
 * SERVER_SECRET wins; otherwise it lives in DATA_DIR/server-secret, created with mode 0600 on first start.
 */
export function loadServerSecret (configured: string | undefined, dataDir: string): Buffer {
  if (configured !== undefined) return Buffer.from(configured, 'utf8')
  const file = join(dataDir, 'server-secret')
  try {
    return Buffer.from(readFileSync(file, 'utf8').trim(), 'base64url')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
  }
  mkdirSync(dataDir, { recursive: true })
  const secret = randomBytes(32)
  // 'wx' fails if another process created it meanwhile; then read theirs
  try {
    writeFileSync(file, secret.toString('base64url') + '\n', { mode: 0o600, flag: 'wx' })
    return secret
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
    return Buffer.from(readFileSync(file, 'utf8').trim(), 'base64url')
  }
}
