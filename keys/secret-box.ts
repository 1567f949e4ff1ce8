import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto'

/** v1 (before associated data) is still read, so rows written by older versions keep working until resealed. */
const LEGACY = 'v1'
const VERSION = 'v2'
const IV_BYTES = 12
const TAG_BYTES = 16

/**
 * Encrypts provider credentials at rest with AES-256-GCM. The key is derived from the server secret with
 * HKDF (SHA-256) under its own label, so it differs from the key hashing access keys, and every replica
 * sharing SERVER_SECRET can read what another wrote. Text form: `v2.<iv>.<tag>.<ciphertext>` (base64url).
 * The associated data names what the secret belongs to (see credentialBinding): a ciphertext copied to another
 * row does not open there.
 */
export class SecretBox {
  private readonly key: Buffer

  constructor (serverSecret: Buffer) {
    this.key = Buffer.from(hkdfSync('sha256', serverSecret, Buffer.alloc(0), 'hubgate provider credentials v1', 32))
  }

  encrypt (plaintext: string, associatedData: string): string {
    const iv = randomBytes(IV_BYTES)
    const cipher = createCipheriv('aes-256-gcm', this.key, iv)
    cipher.setAAD(Buffer.from(associatedData, 'utf8'))
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()])
    return [VERSION, iv, cipher.getAuthTag(), ciphertext].map((part) => typeof part === 'string' ? part : part.toString('base64url')).join('.')
  }

  /**
   * Throws when the text was not written by this box (another server secret, tampered with) or, for v2, not for
   * `associatedData`. A v1 text (no associated data) opens anywhere: reseal it (see isLegacy).
   */
  decrypt (text: string, associatedData: string): string {
    const [version, iv, tag, ciphertext] = text.split('.')
    if ((version !== VERSION && version !== LEGACY) || iv === undefined || tag === undefined || ciphertext === undefined) throw new Error('not a sealed secret')
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'), { authTagLength: TAG_BYTES })
    if (version === VERSION) decipher.setAAD(Buffer.from(associatedData, 'utf8'))
    decipher.setAuthTag(Buffer.from(tag, 'base64url'))
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8')
  }

  /** Written before associated data existed: should be encrypted again, bound to its row. */
  static isLegacy (text: string): boolean {
    return text.startsWith(`${LEGACY}.`)
  }
}

/** The associated data of a provider credential: its provider and its own id, unambiguously joined. */
export function credentialBinding (providerId: string, credentialId: string): string {
  return JSON.stringify(['provider credential', providerId, credentialId])
}

/** What an administrator may see of a secret: its prefix kind and at most the last 4 characters ("sk-…abcd"). */
export function maskSecret (secret: string): string {
  const prefix = /^([A-Za-z]{2,5}[-_])/.exec(secret)?.[1] ?? ''
  // short secrets show nothing of their end: 4 characters of an 8-character secret is too much
  const tail = secret.length >= 16 ? secret.slice(-4) : ''
  return `${prefix}…${tail}`
}
