import { request } from 'undici'
import { messageOfErrorText, redact } from './http.js'
import type { AdapterKind, ProviderConfig } from './types.js'

export interface ConnectionTestResult {
  ok: boolean
  /** Upstream HTTP status; null when it could not be reached. */
  status: number | null
  latencyMs: number
  message: string
}

/** The cheapest authenticated call each wire format offers: list the models. */
const MODEL_LISTS: Record<AdapterKind, { path: string, headers: (apiKey: string | undefined) => Record<string, string> }> = {
  'openai-compatible': { path: '/models', headers: (key): Record<string, string> => key === undefined ? {} : { authorization: `Bearer ${key}` } },
  anthropic: { path: '/v1/models', headers: (key) => ({ 'x-api-key': key ?? '', 'anthropic-version': '2023-06-01' }) },
  gemini: { path: '/models', headers: (key) => ({ 'x-goog-api-key': key ?? '' }) }
}

/**
 * "Test connection" for the admin API: lists the provider's models with its credential and reports the
 * outcome. Messages pass through redact(), so neither the credential nor the provider's URL shows.
 */
export async function testConnection (provider: ProviderConfig, timeoutMs: number): Promise<ConnectionTestResult> {
  const { path, headers } = MODEL_LISTS[provider.kind]
  const base = new URL(provider.baseUrl)
  const target = new URL(base.pathname.replace(/\/$/, '') + path, base)
  const started = performance.now()
  const latency = (): number => Math.round(performance.now() - started)
  try {
    const response = await request(target, {
      method: 'GET',
      headers: { accept: 'application/json', ...headers(provider.apiKey) },
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      signal: AbortSignal.timeout(timeoutMs)
    })
    const text = await response.body.text()
    const status = response.statusCode
    if (status >= 200 && status < 300) return { ok: true, status, latencyMs: latency(), message: `Provider ${provider.id} answered ${status}.` }
    const detail = redact(messageOfErrorText(text), provider)
    return { ok: false, status, latencyMs: latency(), message: `Provider ${provider.id} answered ${status}${detail !== '' ? `: ${detail}` : '.'}` }
  } catch (err) {
    const timedOut = (err as Error).name === 'TimeoutError' || /TIMEOUT/.test(String((err as { code?: unknown }).code))
    const message = timedOut ? `Timed out after ${timeoutMs} ms waiting for provider ${provider.id}.` : `Could not reach provider ${provider.id}.`
    return { ok: false, status: null, latencyMs: latency(), message }
  }
}
