import { createHmac, randomBytes } from 'node:crypto'

/** Recognizable by secret scanners; what follows is 256 bits of randomness in base64url. */
export const KEY_PREFIX = 'hgk_'
const DISPLAY_PREFIX_LENGTH = KEY_PREFIX.length + 8

export function generateSecret (): string {
  return KEY_PREFIX + randomBytes(32).toString('base64url')
}

export function displayPrefix (secret: string): string {
  return secret.slice(0, DISPLAY_PREFIX_LENGTH)
}

export function hashSecret (serverSecret: Buffer, secret: string): string {
  return createHmac('sha256', serverSecret).update(secret, 'utf8').digest('hex')
}

/** Allowed-model patterns are matched by a linear glob matcher, never a RegExp built from them. */
export { modelMatcher } from './model-glob.js'
