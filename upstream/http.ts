import type { IncomingHttpHeaders } from 'node:http'
import { rootCertificates } from 'node:tls'
import { Agent, type Dispatcher } from 'undici'
import {
  ClientClosedError, UpstreamAuthError, UpstreamFailedError, UpstreamRateLimitedError, UpstreamRejectedError, UpstreamTimeoutError
} from '#errors.js'
import type { ProviderConfig, UpstreamCall } from './types.js'
import { AddressGuard } from './address-guard.js'

export interface UpstreamTimeouts {
  /** TCP + TLS connect. */
  connectMs: number
  /** Until the response headers (for non-streamed calls: the whole answer). */
  headersMs: number
  /** Longest silence between two pieces of the response body. */
  idleMs: number
}

/** A whole (non-streamed) answer beyond this is refused: 2048 embeddings of 3072 floats are ~125 MB of JSON. */
const MAX_ANSWER_BYTES = 256 * 2 ** 20

export interface UpstreamResponse {
  headers: Dispatcher.ResponseData['headers']
  body: Dispatcher.ResponseData['body']
}

/** What an adapter sends: a JSON body POSTed to `path` (appended to the provider's base URL); or a GET, or another body (multipart). */
export interface UpstreamRequest {
  path: string
  headers: Record<string, string>
  body?: string | Buffer | undefined
  /** POST unless said otherwise. */
  method?: 'GET' | 'POST' | undefined
  /**
   * A download the provider may redirect to its storage (Veo's files answer a 302 to a signed URL): at most this many
   * hops are followed (postJson only), each to an https address, with none of this request's headers (the credential
   * stays with the provider) and always through the address guard: the upstream chose that address, not an admin.
   */
  followRedirects?: number | undefined
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308])

/**
 * HTTP to providers: undici Agents, which keep a keep-alive connection pool per upstream origin; one for the
 * environment's providers (trusted as configured), one whose connections pass the AddressGuard for every other
 * (admin-configured) provider and for every redirect target. Redirects are followed only where a request asks
 * (followRedirects: a video download). A streamed answer is relayed as it comes; a non-streamed
 * one is collected whole. Every failure becomes a HUB_* error whose message names the provider but never its URL or credential.
 */
export class UpstreamHttp {
  private readonly agent: Agent
  private readonly guarded: Agent
  private readonly bases = new Map<string, { origin: string, path: string }>()

  /**
   * `maxAnswerBytes`: the largest non-streamed answer taken (a runaway upstream must not exhaust the gateway's memory).
   * `guard`: checks the addresses of admin-configured providers at connect time (by default: public addresses only).
   * `extraCa`: certificates trusted besides the system's roots (tests' throwaway https servers; AppOptions.upstreamCa).
   */
  constructor (timeouts: UpstreamTimeouts, private readonly maxAnswerBytes = MAX_ANSWER_BYTES, guard = new AddressGuard(undefined), extraCa?: string | Buffer) {
    const options = { connectTimeout: timeouts.connectMs, headersTimeout: timeouts.headersMs, bodyTimeout: timeouts.idleMs, keepAliveTimeout: 30_000 }
    const tls = extraCa === undefined ? {} : { ca: [...rootCertificates, extraCa] }
    this.agent = new Agent(extraCa === undefined ? options : { ...options, connect: tls })
    this.guarded = new Agent({ ...options, connect: guard.connector(timeouts.connectMs, tls) })
  }

  /** The Agent for calls to `provider`: only environment providers skip the address guard. */
  dispatcherFor (provider: ProviderConfig): Dispatcher {
    return provider.source === 'env' ? this.agent : this.guarded
  }

  /**
   * POSTs JSON to `path` (appended to the provider's base URL; or `request.method` and body), for a streamed or binary answer. Resolves with a 2xx response
   * whose body the caller must consume or destroy; any other status is read and thrown as a HUB_* error.
   */
  async postJson (call: UpstreamCall, request: UpstreamRequest): Promise<UpstreamResponse> {
    const options = this.options(call, request)
    let response = await this.send(this.dispatcherFor(call.provider), options, call)
    let at = new URL(options.path, options.origin)
    let hops = 0
    for (; request.followRedirects !== undefined && REDIRECT_STATUSES.has(response.statusCode); hops++) {
      const location = header(response.headers, 'location')
      await response.body.dump({ limit: MAX_ERROR_BODY }).catch(() => {})
      at = redirectTarget(location, at, hops, request.followRedirects, call)
      response = await this.send(this.guarded, { origin: at.origin, path: at.pathname + at.search, method: 'GET', headers: { accept: '*/*' } }, call, DOWNLOAD_LOCATION)
    }
    if (response.statusCode >= 200 && response.statusCode < 300) return response
    const text = await errorText(response.body)
    if (hops === 0) throw statusError(response.statusCode, response.headers, text, call.provider)
    // storage's own answer: its text may quote the signed address, so only the status is told
    throw Object.assign(new UpstreamFailedError(`The ${DOWNLOAD_LOCATION} of provider ${call.provider.id} answered HTTP ${response.statusCode}.`), { upstreamStatus: response.statusCode })
  }

  /**
   * POSTs JSON to `path` and resolves with the whole 2xx answer as text (a non-streamed answer); any other status
   * throws as postJson's. The answer is collected by a dispatch handler: no body stream, no consumer promises.
   */
  postJsonForText (call: UpstreamCall, request: UpstreamRequest): Promise<string> {
    return new Promise((resolve, reject) => {
      const answer = new WholeAnswer(call, this.maxAnswerBytes, resolve, reject)
      try {
        this.dispatcherFor(call.provider).dispatch(this.options(call, request), answer)
      } catch (err) {
        answer.onResponseError(undefined, err as Error)
      }
    })
  }

  async close (): Promise<void> {
    await Promise.all([this.agent.close(), this.guarded.close()])
  }

  /** One request; a transport failure becomes its HUB_* error (naming `where`, when it is not the provider's API). */
  private async send (dispatcher: Dispatcher, options: Dispatcher.DispatchOptions, call: UpstreamCall, where?: string): Promise<Dispatcher.ResponseData> {
    try {
      return await dispatcher.request({ ...options, signal: call.signal })
    } catch (err) {
      throw transportError(err, call, where)
    }
  }

  private options (call: UpstreamCall, request: UpstreamRequest): Dispatcher.DispatchOptions {
    const base = this.baseOf(call.provider.baseUrl)
    return {
      origin: base.origin,
      path: base.path + request.path,
      method: request.method ?? 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...request.headers },
      body: request.body
    }
  }

  /** A provider base URL split into origin and path prefix, parsed once per distinct URL (not per call). */
  private baseOf (baseUrl: string): { origin: string, path: string } {
    let base = this.bases.get(baseUrl)
    if (base === undefined) {
      const url = new URL(baseUrl)
      base = { origin: url.origin, path: url.pathname.replace(/\/$/, '') }
      // providers are few, but admins can edit them: a bounded map never grows without end
      if (this.bases.size >= 1_000) this.bases.clear()
      this.bases.set(baseUrl, base)
    }
    return base
  }
}

const DOWNLOAD_LOCATION = 'download location'

/**
 * Where a redirect leads, if the gateway may follow it: a Location (relative to `from`) that is https and carries no
 * user info, within `max` hops. Messages never quote the address: a signed URL's query is a credential.
 */
function redirectTarget (location: string | undefined, from: URL, hops: number, max: number, call: UpstreamCall): URL {
  const refused = (why: string): Error => new UpstreamFailedError(`Provider ${call.provider.id} redirected the download ${why}; refused.`)
  if (hops >= max) throw refused(`more than ${max} times`)
  if (location === undefined || location === '') throw refused('without an address')
  let target: URL
  try {
    target = new URL(location, from)
  } catch {
    throw refused('to an invalid address')
  }
  if (target.protocol !== 'https:') throw refused('to an address that is not https')
  if (target.username !== '' || target.password !== '') throw refused('to an address carrying a user name or password')
  return target
}

/**
 * Collects one whole answer (undici's dispatch handler interface): a 2xx resolves with its text, another status
 * rejects with its HUB_* error (read from at most MAX_ERROR_BODY of its body), a transport failure with its mapping.
 * A client that goes away aborts the request.
 */
class WholeAnswer implements Dispatcher.DispatchHandler {
  private status = 0
  private headers: IncomingHttpHeaders = {}
  private readonly pieces: Buffer[] = []
  private size = 0
  private controller: Dispatcher.DispatchController | undefined
  private readonly onClientGone = (): void => { this.controller?.abort(new ClientClosedError()) }

  constructor (
    private readonly call: UpstreamCall,
    private readonly maxBytes: number,
    private readonly resolve: (text: string) => void,
    private readonly reject: (err: Error) => void
  ) {}

  onRequestStart (controller: Dispatcher.DispatchController): void {
    // undici may start a request again (a retried pipeline head): one listener, the latest controller
    if (this.controller === undefined) this.call.signal.on('abort', this.onClientGone)
    this.controller = controller
    if (this.call.signal.aborted) controller.abort(new ClientClosedError())
  }

  onResponseStart (_controller: Dispatcher.DispatchController, status: number, headers: IncomingHttpHeaders): void {
    this.status = status
    this.headers = headers
  }

  onResponseData (controller: Dispatcher.DispatchController, piece: Buffer): void {
    this.size += piece.length
    if (this.ok() && this.size > this.maxBytes) {
      // a runaway upstream must not take the gateway's memory with it
      controller.abort(new UpstreamFailedError(`Provider ${this.call.provider.id} sent an answer larger than ${sizeText(this.maxBytes)}.`))
      return
    }
    // an error answer is read for its message only
    if (this.ok() || this.size - piece.length <= MAX_ERROR_BODY) this.pieces.push(piece)
  }

  onResponseEnd (): void {
    this.done()
    const text = utf8(this.pieces)
    if (this.ok()) this.resolve(text)
    else this.reject(statusError(this.status, this.headers, text, this.call.provider))
  }

  onResponseError (_controller: Dispatcher.DispatchController | undefined, err: Error): void {
    this.done()
    this.reject(err instanceof UpstreamFailedError ? err : transportError(err, this.call))
  }

  private ok (): boolean {
    return this.status >= 200 && this.status < 300
  }

  private done (): void {
    this.call.signal.removeListener('abort', this.onClientGone)
  }
}

/** "256 MB", "1 KB": a size limit as people read it. */
export function sizeText (bytes: number): string {
  return bytes >= 2 ** 20 ? `${Math.round(bytes / 2 ** 20)} MB` : `${Math.round(bytes / 1024)} KB`
}

/** The text of a body's pieces (joined first: a character may span two), without a byte order mark. */
function utf8 (pieces: Buffer[]): string {
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

const MAX_ERROR_BODY = 64 * 1024
const MAX_MESSAGE = 1000

/**
 * A provider's non-2xx answer as the HUB_* error the client is told; the provider's status stays on it
 * (`upstreamStatus`): retries and the circuit breaker judge by it (gateway/retry.ts).
 */
function statusError (status: number, headers: IncomingHttpHeaders, text: string, provider: ProviderConfig): Error {
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
async function errorText (body: Dispatcher.ResponseData['body']): Promise<string> {
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

function header (headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name]
  return Array.isArray(value) ? value[0] : value
}

function capitalize (text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1)
}
