import type { ConnectionProbe, ProviderConfig } from '#upstream/types.js'

/** The model a probe names in its path: the first the provider lists by name, else `fallback` (a provider with "*" only). */
export function namedModel (provider: ProviderConfig, fallback: string): string {
  return provider.models.find((model) => model !== '*') ?? fallback
}

/** A GET of the API's models list with the credential's headers: accepted when it answers a 2xx JSON list. */
export function modelsListProbe (path: string, headers: (apiKey: string | undefined) => Record<string, string>): ConnectionProbe {
  return {
    what: 'models list',
    request: (provider) => ({ path, method: 'GET', headers: headers(provider.apiKey) }),
    accepted: (status, _headers, json) => status >= 200 && status < 300 && json
  }
}
