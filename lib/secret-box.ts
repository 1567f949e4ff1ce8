import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto'

const VERSION = 'v1'
const IV_BYTES = 12
const TAG_BYTES = 16

/**
 * Encrypts provider credentials at rest with AES-256-GCM. The key is derived from the server secret with
 * HKDF (SHA-256) under its own label, so it differs from the key hashing access keys, and every replica
 * sharing SERVER_SECRET can read what another wrote. Text form: `v1.<iv>.<tag>.<ciphertext>` (base64url).
 */
export class SecretBox {
  private readonly key: Buffer

  constructor (serverSecret: Buffer) {
    this.key = Buffer.from(hkdfSync('sha256', serverSecret, Buffer.alloc(0), 'hubgate provider credentials v1', 32))
  }

  encrypt (plaintext: string): string {
    const iv = randomBytes(IV_BYTES)
    const cipher = createCipheriv('aes-256-gcm', this.key, iv)
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()])
    return [VERSION, iv, cipher.getAuthTag(), ciphertext].map((part) => typeof part === 'string' ? part : part.toString('base64url')).join('.')
  }

  /** Throws when the text was not written by this box (another server secret, or tampered with). */
  decrypt (text: string): string {
    const [version, iv, tag, ciphertext] = text.split('.')
    if (version !== VERSION || iv === undefined || tag === undefined || ciphertext === undefined) throw new Error('not a sealed secret')
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'), { authTagLength: TAG_BYTES })
    decipher.setAuthTag(Buffer.from(tag, 'base64url'))
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8')
  }
}

/** What an administrator may see of a secret: its prefix kind and at most the last 4 characters ("sk-…abcd"). */
export function maskSecret (secret: string): string {
  const prefix = /^([A-Za-z]{2,5}[-_])/.exec(secret)?.[1] ?? ''
  // short secrets show nothing of their end: 4 characters of an 8-character secret is too much
  const tail = secret.length >= 16 ? secret.slice(-4) : ''
  return `${prefix}…${tail}`
}
