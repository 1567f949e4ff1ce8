import { rootCertificates } from 'node:tls'
import { Agent, type Dispatcher } from 'undici'
import { UpstreamFailedError } from '#errors.js'
import type { ProviderConfig, UpstreamCall } from './types.js'
import { AddressGuard } from './address-guard.js'
import { StreamedAnswer, WholeAnswer, type AnswerHandler, type StreamedBody } from './answer-handlers.js'
import { errorText, header, MAX_ERROR_BODY, statusError, transportError } from './upstream-errors.js'

export {
  messageOfErrorText, midStreamError, parseJson, redact, sizeText, transportError, truncatedStreamError
} from './upstream-errors.js'
export type { BodyListener, StreamedBody } from './answer-handlers.js'

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
   * POSTs JSON to `path` (appended to the provider's base URL; or `request.method` and body), for a binary answer (a
   * download). Resolves with a 2xx response whose body the caller must consume or destroy; any other status is read
   * and thrown as a HUB_* error.
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
    return this.dispatch(call, request, (resolve, reject) => new WholeAnswer(call, this.maxAnswerBytes, resolve, reject))
  }

  /**
   * POSTs JSON to `path` for a streamed answer (server-sent events, AWS event stream): resolves with its body once a
   * 2xx status is in; any other status throws as postJson's. The caller must listen to the body or destroy it.
   */
  postJsonForStream (call: UpstreamCall, request: UpstreamRequest): Promise<StreamedBody> {
    return this.dispatch(call, request, (resolve, reject) => new StreamedAnswer(call, resolve, reject))
  }

  async close (): Promise<void> {
    await Promise.all([this.agent.close(), this.guarded.close()])
  }

  /** Sends `request` to the handler `answerFor` makes, which settles the promise (a dispatch that throws at once rejects it). */
  private dispatch<T> (call: UpstreamCall, request: UpstreamRequest, answerFor: (resolve: (value: T) => void, reject: (err: Error) => void) => AnswerHandler): Promise<T> {
    return new Promise((resolve, reject) => {
      const answer = answerFor(resolve, reject)
      try {
        this.dispatcherFor(call.provider).dispatch(this.options(call, request), answer)
      } catch (err) {
        answer.onResponseError(undefined, err as Error)
      }
    })
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

