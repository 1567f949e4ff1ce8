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

/** What an allowed-model pattern may look like: "*", "openai/*", "openai/gpt-4o". */
export const MODEL_PATTERN = '^[A-Za-z0-9*][A-Za-z0-9._:*/-]*$'
export const MODEL_PATTERN_MAX_LENGTH = 200

/** Allowed-model patterns are matched by a linear glob matcher, never a RegExp built from them. */
export { modelMatcher } from './model-glob.js'
