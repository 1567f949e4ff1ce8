import { randomBytes } from 'node:crypto'
import { closeSync, existsSync, fsyncSync, linkSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { ConfigError } from '#errors.js'
import { ensurePrivateDir, syncDir } from '#store/private-files.js'

/** Fewer bytes than this cannot key an HMAC-SHA256 or AES-256 safely (an empty file once did). */
export const MIN_SECRET_BYTES = 32

/**
 * The server secret keys the access-key HMAC and (via HKDF) the provider credential encryption.
 * SERVER_SECRET wins; otherwise it lives in DATA_DIR/server-secret, created with mode 0600 on first start.
 * A secret under 32 bytes is refused (ConfigError: the server exits 78), never used.
 */
export function loadServerSecret (configured: string | undefined, dataDir: string): Buffer {
  if (configured !== undefined) return checked(Buffer.from(configured, 'utf8'), 'SERVER_SECRET')
  const file = join(dataDir, 'server-secret')
  try {
    return readSecretFile(file)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
  }
  ensurePrivateDir(dataDir)
  return createSecretFile(dataDir, file)
}

function readSecretFile (file: string): Buffer {
  return checked(Buffer.from(readFileSync(file, 'utf8').trim(), 'base64url'), `${file} (DATA_DIR/server-secret)`)
}

function checked (secret: Buffer, source: string): Buffer {
  if (secret.length >= MIN_SECRET_BYTES) return secret
  throw new ConfigError(`Invalid configuration:\n  ${source} holds ${secret.length} bytes of secret, fewer than ${MIN_SECRET_BYTES}. ` +
    'Restore the file from a backup, or set SERVER_SECRET; delete the file to have a new secret generated only if no access key ' +
    'or provider credential depends on it (they would stop working)')
}

/**
 * Written whole or not at all: the secret goes to a temporary file in the same directory, is synced, then
 * hard-linked to its name, which (unlike a rename) fails when another process starting at the same moment got
 * there first; then theirs is used, so both hash keys alike. A crash leaves at most a stray temporary file.
 */
function createSecretFile (dataDir: string, file: string): Buffer {
  const secret = randomBytes(MIN_SECRET_BYTES)
  const temp = join(dataDir, `.server-secret.${process.pid}.${randomBytes(6).toString('hex')}.tmp`)
  const fd = openSync(temp, 'wx', 0o600)
  try {
    writeSync(fd, secret.toString('base64url') + '\n')
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
  try {
    publish(temp, file)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
    return readSecretFile(file)
  } finally {
    rmSync(temp, { force: true })
  }
  syncDir(dataDir)
  return secret
}

/** Gives the finished temporary file its name, without ever replacing an existing secret. */
function publish (temp: string, file: string): void {
  try {
    linkSync(temp, file)
  } catch (err) {
    // a file system without hard links: rename, after checking (a tiny race, but never a torn file)
    if (!['EPERM', 'ENOTSUP', 'ENOSYS', 'EOPNOTSUPP'].includes((err as NodeJS.ErrnoException).code ?? '')) throw err
    if (existsSync(file)) throw Object.assign(new Error('server secret already exists'), { code: 'EEXIST' })
    renameSync(temp, file)
  }
}

