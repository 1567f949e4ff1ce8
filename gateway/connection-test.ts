import type { Dispatcher } from 'undici'
import { adapterFor } from '#providers/adapters.js'
import type { UpstreamRequest } from '#upstream/http.js'
import type { ProviderConfig } from '#upstream/types.js'

export interface ConnectionTestResult {
  ok: boolean
  /** Upstream HTTP status; null when it could not be reached. */
  status: number | null
  latencyMs: number
  message: string
}

/** The most of an answer's body the test reads (then drops the connection): it reports status and latency, not the body. */
const MAX_READ_BYTES = 4096

/**
 * "Test connection" for the admin API: sends the provider adapter's probe with the provider's credential through `dispatcher` (for
 * an admin-configured provider, the address-guarded one) and reports status and latency. The answer's body is never
 * relayed (the URL may point at a service that is no provider), and no more than MAX_READ_BYTES of it is read.
 */
export async function testConnection (provider: ProviderConfig, timeoutMs: number, dispatcher: Dispatcher): Promise<ConnectionTestResult> {
  const probe = adapterFor(provider.kind).connectionProbe
  let request: UpstreamRequest
  try {
    request = await probe.request(provider)
  } catch (err) {
    // a credential unusable as configured (Bedrock's without a region): said without calling anyone
    if (!String((err as { code?: unknown }).code).startsWith('HUB_')) throw err
    return { ok: false, status: null, latencyMs: 0, message: (err as Error).message }
  }
  const base = new URL(provider.baseUrl)
  const started = performance.now()
  const latency = (): number => Math.round(performance.now() - started)
  try {
    const response = await dispatcher.request({
      origin: base.origin,
      path: base.pathname.replace(/\/$/, '') + request.path,
      method: request.method ?? 'POST',
      headers: { accept: 'application/json', ...request.headers },
      body: request.body,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      signal: AbortSignal.timeout(timeoutMs)
    })
    const latencyMs = latency()
    await response.body.dump({ limit: MAX_READ_BYTES }).catch(() => {})
    const status = response.statusCode
    const json = /^application\/(.+\+)?json\b/i.test(String(response.headers['content-type'] ?? ''))
    const ok = probe.accepted(status, response.headers, json)
    return { ok, status, latencyMs, message: `Provider ${provider.id} ${outcome(status, json, ok, probe.what)}` }
  } catch (err) {
    const code = String((err as { code?: unknown }).code)
    const timedOut = (err as Error).name === 'TimeoutError' || /TIMEOUT/.test(code)
    const message = timedOut
      ? `Timed out after ${timeoutMs} ms waiting for provider ${provider.id}.`
      : code === 'HUB_PROVIDER_ADDRESS_REFUSED' ? `Refused to connect to provider ${provider.id}: ${(err as Error).message}` : `Could not reach provider ${provider.id}.`
    return { ok: false, status: null, latencyMs: latency(), message }
  }
}

/** What a status says about the configuration, in words that never quote the answer. */
function outcome (status: number, json: boolean, accepted: boolean, what: string): string {
  if (accepted && (status < 200 || status >= 300)) return `answered ${status} to a request that generates nothing: it accepted the credential.`
  if (status >= 200 && status < 300) return json ? `answered ${status}.` : `answered ${status}, but not with JSON: check the base URL.`
  if (status >= 300 && status < 400) return `answered ${status} (a redirect, which is not followed): check the base URL.`
  if (status === 401 || status === 403) return `answered ${status}: it refused the credential.`
  if (status === 404) return `answered 404: no ${what} at this base URL.`
  return `answered ${status}.`
}
