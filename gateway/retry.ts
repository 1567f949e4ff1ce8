import type { FastifyError } from 'fastify'
import type { ClientSignal } from '#upstream/client-signal.js'
import { ClientClosedError } from '#errors.js'

export interface RetryPolicy {
  /** Extra attempts at one model after the first (0 disables retries). */
  retries: number
  /** Backoff base: retry n waits a random time in [0, base·2^(n-1)) ("full jitter"). */
  baseMs: number
  /** Longest wait before a retry. A provider's Retry-After beyond it is not waited for: the call moves on. */
  maxWaitMs: number
}

/** Network failures where the request cannot have been processed, or the connection broke: worth another try. */
const CONNECTION_FAILURES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENETUNREACH', 'EHOSTUNREACH', 'EAI_AGAIN',
  'UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'UND_ERR_CONNECT_TIMEOUT'
])

function upstreamStatus (err: unknown): number | undefined {
  const status = (err as { upstreamStatus?: unknown } | undefined)?.upstreamStatus
  return typeof status === 'number' ? status : undefined
}

function connectionFailed (err: unknown): boolean {
  const cause = (err as { cause?: { code?: unknown } } | undefined)?.cause
  return typeof cause?.code === 'string' && CONNECTION_FAILURES.has(cause.code)
}

/**
 * Worth retrying at the same provider: it answered 429 or 5xx, or the connection failed. Not retried:
 * the provider refusing the request (4xx), and timeouts waiting for an answer (the provider may still
 * be working on it, and UPSTREAM_TIMEOUT_MS is long), which move on to a fallback instead.
 */
export function isRetryable (err: unknown): boolean {
  const status = upstreamStatus(err)
  if (status !== undefined) return status === 429 || status >= 500
  return connectionFailed(err)
}

function codeOf (err: unknown): string | undefined {
  return (err as FastifyError | undefined)?.code
}

/** Provider-side failures: it is down, failing or unreachable (5xx, bad answers, timeouts). */
const PROVIDER_FAILURES = new Set(['HUB_UPSTREAM_FAILED', 'HUB_UPSTREAM_TIMEOUT'])
/** ...plus rate limiting and a refused gateway credential, which another provider may not share. */
const FALLBACK_WORTHY = new Set([...PROVIDER_FAILURES, 'HUB_UPSTREAM_RATE_LIMITED', 'HUB_UPSTREAM_AUTH'])

/**
 * Worth trying the next fallback model. Not: a request the provider rejected (4xx; another model would
 * be asked the same thing), a client that left, or a failure inside the gateway.
 */
export function isFallbackWorthy (err: unknown): boolean {
  return FALLBACK_WORTHY.has(codeOf(err) ?? '')
}

/**
 * Counts against the provider's circuit breaker. Rate limiting (429) and a refused credential are not
 * outages: the first is retried with the provider's Retry-After, the second needs an administrator.
 */
export function isProviderFailure (err: unknown): boolean {
  return PROVIDER_FAILURES.has(codeOf(err) ?? '')
}

/** Retry-After (seconds or an HTTP date) in milliseconds, when the provider sent one. */
export function retryAfterMs (err: unknown, now = Date.now()): number | undefined {
  const value = (err as { retryAfter?: unknown } | undefined)?.retryAfter
  if (typeof value !== 'string' && typeof value !== 'number') return undefined
  const text = String(value).trim()
  if (/^\d+$/.test(text)) return Number(text) * 1000
  const at = Date.parse(text)
  return Number.isNaN(at) ? undefined : Math.max(0, at - now)
}

/**
 * How long to wait before retry number `retry` (1-based) after `err`, or undefined when the call must
 * not be retried at this model: not retryable, retries used up, or a Retry-After longer than allowed.
 */
export function retryDelayMs (err: unknown, retry: number, policy: RetryPolicy, random = Math.random): number | undefined {
  if (retry > policy.retries || !isRetryable(err)) return undefined
  const asked = retryAfterMs(err)
  if (asked !== undefined) return asked <= policy.maxWaitMs ? asked : undefined
  return Math.floor(random() * Math.min(policy.maxWaitMs, policy.baseMs * 2 ** (retry - 1)))
}

/** Waits `ms`, or rejects with ClientClosedError as soon as the client goes away. */
export async function waitUnlessAborted (ms: number, signal: ClientSignal): Promise<void> {
  if (signal.aborted) throw new ClientClosedError()
  await new Promise<void>((resolve, reject) => {
    const gone = (): void => {
      clearTimeout(timer)
      reject(new ClientClosedError())
    }
    const timer = setTimeout(() => {
      signal.off('abort', gone)
      resolve()
    }, ms)
    signal.once('abort', gone)
  })
}
