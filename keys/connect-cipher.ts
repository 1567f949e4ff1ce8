import { createCipheriv, createHash, pbkdf2Sync, randomBytes } from 'node:crypto'

const SALTED = Buffer.from('Salted__', 'latin1')

/**
 * The passphrase `aigne hub connect` decrypts the delivered secret with: hex of PBKDF2-SHA512(challenge, salt = the
 * access key id, 256 rounds, 32 bytes), as @aigne/cli's utils/aigne-hub/crypto.js derives it.
 */
export function connectPassphrase (accessKeyId: string, challenge: string): string {
  return pbkdf2Sync(challenge, accessKeyId, 256, 32, 'sha512').toString('hex')
}

/**
 * `text` encrypted the way crypto-js's `AES.encrypt(text, passphrase)` does, which is what the CLI decrypts: OpenSSL's
 * "Salted__" format (base64 of "Salted__" + 8-byte salt + AES-256-CBC ciphertext), key and IV from the passphrase and
 * salt by EVP_BytesToKey with MD5 and one round. MD5 here is the format's, not a choice: the challenge travels beside the
 * ciphertext, so this keeps the secret out of casual sight (logs, proxies) and the connection's TLS protects it.
 */
export function encryptForCli (text: string, accessKeyId: string, challenge: string): string {
  const salt = randomBytes(8)
  const { key, iv } = evpBytesToKey(Buffer.from(connectPassphrase(accessKeyId, challenge), 'utf8'), salt)
  const cipher = createCipheriv('aes-256-cbc', key, iv)
  return Buffer.concat([SALTED, salt, cipher.update(text, 'utf8'), cipher.final()]).toString('base64')
}

/** OpenSSL's EVP_BytesToKey (MD5, 1 iteration) for a 32-byte key and a 16-byte IV. */
function evpBytesToKey (password: Buffer, salt: Buffer): { key: Buffer, iv: Buffer } {
  const blocks: Buffer[] = []
  let previous = Buffer.alloc(0)
  while (blocks.length * 16 < 48) {
    previous = createHash('md5').update(previous).update(password).update(salt).digest()
    blocks.push(previous)
  }
  const material = Buffer.concat(blocks)
  return { key: material.subarray(0, 32), iv: material.subarray(32, 48) }
}
