import { pricePackage } from './price-package.js'

/*
 * Which of the price package's providers prices a provider's models. A built-in provider id maps to the package's
 * own (PRICE_LIST_PROVIDERS); an admin-added provider either names one (`priceProvider`, validated against the
 * package's ids), names none (null), or leaves it to its base URL, matched against each package provider's
 * `api_pattern`. The URL is admin-set and untrusted: it is only ever the subject of the package's patterns (never
 * a pattern itself), only https URLs of bounded length are tried, and each answer is cached per URL.
 */

/** Hubgate's built-in provider ids → the package's; providers not listed (ollama, admin-made ones) have no built-in price by id. */
export const PRICE_LIST_PROVIDERS: Readonly<Record<string, string>> = {
  openai: 'openai',
  anthropic: 'anthropic',
  gemini: 'google',
  deepseek: 'deepseek',
  xai: 'x-ai',
  openrouter: 'openrouter',
  bedrock: 'aws'
}

/** A stored provider's choice: a package provider id, null for none, 'auto' (the default) to match its base URL. */
export type PriceProviderChoice = string | null

export const AUTO_PRICE_PROVIDER = 'auto'

/** What a provider's built-in prices are decided by. */
export interface PricedProvider {
  id: string
  baseUrl: string
  /** Undefined or 'auto': matched by base URL, then by a built-in id; null: no built-in price; else the package's id. */
  priceProvider?: PriceProviderChoice | undefined
}

/** Longer URLs are not matched: no provider's API root is anywhere near this long, and each pattern's work stays small. */
const MAX_MATCHED_URL = 300

/** True when `id` is exactly one of the package's provider ids ("groq", "deepseek", …). */
export function isPackageProvider (id: string): boolean {
  return pricePackage().findProvider({ providerId: id })?.id === id
}

/** The package's provider ids, for the admin UI's choice. */
export async function packageProviderIds (): Promise<string[]> {
  return ((await pricePackage().waitForUpdate()) ?? []).map((p) => p.id).sort()
}

/**
 * The package provider whose API address pattern the base URL's origin and path match (no user info, query or
 * fragment), or undefined: only https URLs are matched (plain http is a local server, never a priced API).
 */
export function packageProviderOfUrl (baseUrl: string): string | undefined {
  let url: URL
  try {
    url = new URL(baseUrl)
  } catch {
    return undefined
  }
  if (url.protocol !== 'https:') return undefined
  const subject = url.origin + url.pathname.replace(/\/+$/, '')
  if (subject.length > MAX_MATCHED_URL) return undefined
  const provider = pricePackage().findProvider({ providerApiUrl: subject })
  // the package's patterns match a prefix: "https://api.deepseek.com.example.net" is not DeepSeek's API
  return provider !== undefined && endsAtBoundary(provider.api_pattern, subject) ? provider.id : undefined
}

/** Each package pattern anchored at a host or path boundary, compiled once (from the package's data, never from a URL). */
const bounded = new Map<string, RegExp>()

function endsAtBoundary (pattern: string, subject: string): boolean {
  let regex = bounded.get(pattern)
  if (regex === undefined) bounded.set(pattern, regex = new RegExp(`^(?:${pattern})(?:(?<=/)|(?=[/:]|$))`))
  return regex.test(subject)
}

/**
 * The package provider that prices `provider`'s models, or null: its explicit choice first, then its base URL, then
 * its built-in id (a built-in provider pointed at a proxy keeps its prices).
 */
export function priceProviderFor (provider: PricedProvider, matchUrl: (baseUrl: string) => string | undefined = packageProviderOfUrl): string | null {
  const choice = provider.priceProvider
  if (choice !== undefined && choice !== AUTO_PRICE_PROVIDER) return choice
  return matchUrl(provider.baseUrl) ?? PRICE_LIST_PROVIDERS[provider.id] ?? null
}

/**
 * Maps provider ids to package provider ids from the configured providers; a provider's URL match is cached per
 * (base URL) so reloads of an unchanged configuration cost nothing.
 */
export class PriceProviders {
  private resolved = new Map<string, string | null>()
  /** Providers given by use() and not yet resolved. */
  private configured: readonly PricedProvider[] | undefined
  private readonly urlMatches = new Map<string, string | undefined>()

  /** The package provider that prices `providerId`'s models, or undefined for none. */
  of (providerId: string): string | undefined {
    if (this.configured !== undefined) this.resolve(this.configured)
    const resolved = this.resolved.get(providerId)
    if (resolved !== undefined) return resolved ?? undefined
    return PRICE_LIST_PROVIDERS[providerId]
  }

  /**
   * Replaces the configured providers (call after every reload of the provider registry). Their base URLs are matched
   * at the next lookup, not here: a start does not load the price package before a call needs a price.
   */
  use (providers: readonly PricedProvider[]): void {
    this.configured = providers
  }

  private resolve (providers: readonly PricedProvider[]): void {
    this.configured = undefined
    const next = new Map<string, string | null>()
    const urls = new Set<string>()
    for (const provider of providers) {
      urls.add(provider.baseUrl)
      next.set(provider.id, this.choose(provider))
    }
    // only URLs still configured stay cached: the cache is bounded by the providers there are
    for (const url of this.urlMatches.keys()) if (!urls.has(url)) this.urlMatches.delete(url)
    this.resolved = next
  }

  private choose (provider: PricedProvider): string | null {
    return priceProviderFor(provider, (url) => this.matchUrl(url))
  }

  private matchUrl (baseUrl: string): string | undefined {
    if (!this.urlMatches.has(baseUrl)) this.urlMatches.set(baseUrl, packageProviderOfUrl(baseUrl))
    return this.urlMatches.get(baseUrl)
  }
}
