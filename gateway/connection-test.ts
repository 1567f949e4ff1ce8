import type { Dispatcher } from 'undici'
import type { AdapterKind, ProviderConfig } from '#upstream/types.js'

export interface ConnectionTestResult {
  ok: boolean
  /** Upstream HTTP status; null when it could not be reached. */
  status: number | null
  latencyMs: number
  message: string
}

/** The most of an answer's body the test reads (then drops the connection): it reports status and latency, not the body. */
const MAX_READ_BYTES = 4096

/** The cheapest authenticated call each wire format offers: list the models (Bedrock's runtime and Ideogram have no such list). */
const MODEL_LISTS: Partial<Record<AdapterKind, { path: string, headers: (apiKey: string | undefined) => Record<string, string> }>> = {
  'openai-compatible': { path: '/models', headers: (key): Record<string, string> => key === undefined ? {} : { authorization: `Bearer ${key}` } },
  anthropic: { path: '/v1/models', headers: (key) => ({ 'x-api-key': key ?? '', 'anthropic-version': '2023-06-01' }) },
  gemini: { path: '/models', headers: (key) => ({ 'x-goog-api-key': key ?? '' }) }
}

/**
 * "Test connection" for the admin API: lists the provider's models with its credential through `dispatcher` (for an
 * admin-configured provider, the address-guarded one) and reports status and latency. The answer's body is never
 * relayed (the URL may point at a service that is no provider), and no more than MAX_READ_BYTES of it is read.
 */
export async function testConnection (provider: ProviderConfig, timeoutMs: number, dispatcher: Dispatcher): Promise<ConnectionTestResult> {
  const list = MODEL_LISTS[provider.kind]
  if (list === undefined) {
    return { ok: false, status: null, latencyMs: 0, message: `Provider ${provider.id} (${provider.kind}) has no models list to test the connection with; make a call through the gateway instead.` }
  }
  const { path, headers } = list
  const base = new URL(provider.baseUrl)
  const started = performance.now()
  const latency = (): number => Math.round(performance.now() - started)
  try {
    const response = await dispatcher.request({
      origin: base.origin,
      path: base.pathname.replace(/\/$/, '') + path,
      method: 'GET',
      headers: { accept: 'application/json', ...headers(provider.apiKey) },
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      signal: AbortSignal.timeout(timeoutMs)
    })
    const latencyMs = latency()
    await response.body.dump({ limit: MAX_READ_BYTES }).catch(() => {})
    const status = response.statusCode
    const json = /^application\/(.+\+)?json\b/i.test(String(response.headers['content-type'] ?? ''))
    return { ok: status >= 200 && status < 300 && json, status, latencyMs, message: `Provider ${provider.id} ${outcome(status, json)}` }
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
function outcome (status: number, json: boolean): string {
  if (status >= 200 && status < 300) return json ? `answered ${status}.` : `answered ${status}, but not with JSON: check the base URL.`
  if (status >= 300 && status < 400) return `answered ${status} (a redirect, which is not followed): check the base URL.`
  if (status === 401 || status === 403) return `answered ${status}: it refused the credential.`
  if (status === 404) return 'answered 404: no models list at this base URL.'
  return `answered ${status}.`
}
