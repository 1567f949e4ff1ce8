import type { IncomingHttpHeaders } from 'node:http'
import type { Dispatcher } from 'undici'
import {
  ClientClosedError, UpstreamAuthError, UpstreamFailedError, UpstreamRateLimitedError, UpstreamRejectedError, UpstreamTimeoutError
} from '#errors.js'
import type { ProviderConfig, UpstreamCall } from './types.js'

/*
 * What the client is told when a provider call fails: every failure becomes a HUB_* error whose message names the
 * provider but never its URL or credential.
 */

/** "256 MB", "1 KB": a size limit as people read it. */
export function sizeText (bytes: number): string {
  return bytes >= 2 ** 20 ? `${Math.round(bytes / 2 ** 20)} MB` : `${Math.round(bytes / 1024)} KB`
}

/** The text of a body's pieces (joined first: a character may span two), without a byte order mark. */
export function utf8 (pieces: Buffer[]): string {
  const text = pieces.length === 1 ? (pieces[0] as Buffer).toString('utf8') : Buffer.concat(pieces).toString('utf8')
  return text.charCodeAt(0) === 0xFEFF ? text.slice(1) : text
}

/** Parses an answer the adapter must understand; a provider sending something else is a provider failure. */
export function parseJson<T> (text: string, call: UpstreamCall): T {
  try {
    return JSON.parse(text) as T
  } catch (err) {
    throw new UpstreamFailedError(`Provider ${call.provider.id} sent a response that is not JSON.`, { cause: err })
  }
}

/** An upstream that reported a failure inside its stream (after the 200). */
export function midStreamError (call: UpstreamCall, upstreamMessage: string, rateLimited = false): Error {
  const detail = redact(upstreamMessage, call.provider)
  const message = `Provider ${call.provider.id} failed during the answer${detail !== '' ? `: ${detail}` : '.'}`
  return rateLimited ? new UpstreamRateLimitedError(message) : new UpstreamFailedError(message)
}

/** An upstream stream that ended without its end marker: the answer is incomplete. */
export function truncatedStreamError (call: UpstreamCall): Error {
  return new UpstreamFailedError(`Provider ${call.provider.id} ended the stream before it was complete.`)
}

/** Maps a network-level failure (refused, reset, timeout, abort) to what the client is told; `where`: a place of the provider's other than its API. */
export function transportError (err: unknown, call: UpstreamCall, where?: string): Error {
  if (call.signal.aborted) return new ClientClosedError({ cause: err })
  const code = (err as { code?: string }).code
  const who = `${where !== undefined ? `the ${where} of ` : ''}provider ${call.provider.id}`
  switch (code) {
    case 'UND_ERR_CONNECT_TIMEOUT': return new UpstreamTimeoutError(`Timed out connecting to ${who}.`, { cause: err })
    case 'UND_ERR_HEADERS_TIMEOUT': return new UpstreamTimeoutError(`Timed out waiting for ${who} to answer.`, { cause: err })
    case 'UND_ERR_BODY_TIMEOUT': return new UpstreamTimeoutError(`${capitalize(who)} stopped sending its answer (idle timeout).`, { cause: err })
    case 'HUB_PROVIDER_ADDRESS_REFUSED': return new UpstreamFailedError(`Refused to connect to ${who}: ${(err as Error).message}`, { cause: err })
    default: return new UpstreamFailedError(`Could not reach ${who}, or it closed the connection.`, { cause: err })
  }
}

/** How much of an error answer is read for its message. */
export const MAX_ERROR_BODY = 64 * 1024
const MAX_MESSAGE = 1000

/**
 * A provider's non-2xx answer as the HUB_* error the client is told; the provider's status stays on it
 * (`upstreamStatus`): retries and the circuit breaker judge by it (gateway/retry.ts).
 */
export function statusError (status: number, headers: IncomingHttpHeaders, text: string, provider: ProviderConfig): Error {
  return Object.assign(statusErrorFor(status, headers, redact(messageOfErrorText(text), provider), provider), { upstreamStatus: status })
}

function statusErrorFor (status: number, headers: IncomingHttpHeaders, detail: string, provider: ProviderConfig): Error {
  const who = `Provider ${provider.id}`
  if (status === 401 || status === 403) {
    // the provider's text may quote part of the credential, so it is not relayed
    return new UpstreamAuthError(`${who} refused the gateway's credentials (HTTP ${status}); an administrator must fix the provider configuration.`)
  }
  if (status === 429) {
    const err = new UpstreamRateLimitedError(`${who} is rate limiting requests${detail !== '' ? `: ${detail}` : '.'}`)
    const retryAfter = header(headers, 'retry-after')
    return retryAfter === undefined ? err : Object.assign(err, { retryAfter })
  }
  if (status === 408 || status === 504) return new UpstreamTimeoutError(`${who} timed out (HTTP ${status}).`)
  if ([400, 404, 409, 413, 422].includes(status)) {
    // same status as the provider's: clients (the OpenAI SDK among them) tell 404 from 400
    return Object.assign(new UpstreamRejectedError(detail !== '' ? detail : `${who} rejected the request (HTTP ${status}).`), { statusCode: status })
  }
  return new UpstreamFailedError(`${who} failed (HTTP ${status})${detail !== '' ? `: ${detail}` : '.'}`)
}

/** The text of an error answer's body, at most MAX_ERROR_BODY of it ('' when it cannot be read). */
export async function errorText (body: Dispatcher.ResponseData['body']): Promise<string> {
  const pieces: Buffer[] = []
  let size = 0
  try {
    for await (const piece of body) {
      pieces.push(piece as Buffer)
      size += (piece as Buffer).length
      if (size > MAX_ERROR_BODY) { body.destroy(); break }
    }
  } catch {
    return ''
  }
  return utf8(pieces)
}

export function messageOfErrorText (text: string): string {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    // an HTML error page or similar: not worth relaying
    return /^[^<{[]{1,300}$/.test(text.trim()) ? text.trim() : ''
  }
  const doc = (Array.isArray(parsed) ? parsed[0] : parsed) as { error?: unknown, message?: unknown } | null
  const error = doc?.error
  const message = typeof error === 'string' ? error : (error as { message?: unknown } | undefined)?.message ?? doc?.message
  return typeof message === 'string' ? message : ''
}

/** Removes the provider's credential (each part of one made of several, Bedrock's) and URL from a message before anyone sees it. */
export function redact (message: string, provider: ProviderConfig): string {
  let out = message
  for (const secret of [provider.apiKey, ...credentialParts(provider.apiKey), provider.baseUrl, new URL(provider.baseUrl).host]) {
    if (secret !== undefined && secret.length >= 4) out = out.split(secret).join('[redacted]')
  }
  return out.length > MAX_MESSAGE ? `${out.slice(0, MAX_MESSAGE)}…` : out
}

/** The secret text values of a credential that is a JSON object (an AWS key pair and session token, not its short region); none for an API key. */
function credentialParts (apiKey: string | undefined): string[] {
  if (apiKey?.startsWith('{') !== true) return []
  try {
    return Object.values(JSON.parse(apiKey) as Record<string, unknown>).filter((v): v is string => typeof v === 'string' && v.length >= 16)
  } catch {
    return []
  }
}

export function header (headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name]
  return Array.isArray(value) ? value[0] : value
}

function capitalize (text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1)
}
