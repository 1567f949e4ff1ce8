import { calcPrice, type ModelPrice } from '@pydantic/genai-prices'
import { LRUCache } from 'lru-cache'
import { NO_RATES, type ModelRates, type RateTier, type TokenRates } from './rates.js'

/*
 * The built-in price list: @pydantic/genai-prices, a maintained list of providers' published prices (USD per 1M
 * tokens, long-context tiers, cache reads and writes), bundled in the package: prices change when the package is
 * updated, never fetched at run time. Its prices become credits at CREDITS_PER_USD.
 */

/** Hubgate's built-in provider ids → the package's; providers not listed (ollama, admin-made ones) have no built-in price. */
export const PRICE_LIST_PROVIDERS: Readonly<Record<string, string>> = {
  openai: 'openai',
  anthropic: 'anthropic',
  gemini: 'google',
  deepseek: 'deepseek',
  xai: 'x-ai',
  openrouter: 'openrouter',
  bedrock: 'aws'
}

/** The package's per-1M-token price keys → the catalog's rate fields. Other keys (web searches, images, hours) are not priced from it. */
const TOKEN_PRICE_KEYS: ReadonlyArray<readonly [string, keyof TokenRates]> = [
  ['input_mtok', 'inputRate'],
  ['output_mtok', 'outputRate'],
  ['cache_read_mtok', 'cachedInputRate'],
  ['cache_write_mtok', 'cacheWriteRate'],
  ['cache_write_1h_mtok', 'cacheWrite1hRate'],
  ['output_reasoning_mtok', 'reasoningRate'],
  ['input_audio_mtok', 'audioInputRate'],
  ['output_audio_mtok', 'audioOutputRate']
]

type PackagePrice = ModelPrice[string]

function isTiered (price: PackagePrice): price is { base: number, tiers: Array<{ start: number, price: number }> } {
  return typeof price === 'object' && price !== null && typeof (price as { base?: unknown }).base === 'number' && Array.isArray((price as { tiers?: unknown }).tiers)
}

/** The package's price of a model as catalog rates in credits (tiered keys become tiers by their start), or undefined without a token price. */
export function ratesOfPackagePrice (price: ModelPrice, creditsPerUsd: number): ModelRates | undefined {
  const rates: ModelRates = { ...NO_RATES }
  const tiers = new Map<number, RateTier>()
  for (const [key, field] of TOKEN_PRICE_KEYS) {
    const value = price[key]
    if (typeof value === 'number') rates[field] = value * creditsPerUsd
    else if (value !== undefined && isTiered(value)) {
      rates[field] = value.base * creditsPerUsd
      for (const tier of value.tiers) {
        const entry = tiers.get(tier.start) ?? { above: tier.start }
        entry[field] = tier.price * creditsPerUsd
        tiers.set(tier.start, entry)
      }
    }
  }
  // audio priced by the hour (whisper-1) is priced per second
  const audioHours = price.input_audio_hours ?? price.audio_hours
  if (typeof audioHours === 'number') rates.secondRate = audioHours * creditsPerUsd / 3600
  if (rates.inputRate === null && rates.outputRate === null) return rates.secondRate === null ? undefined : rates
  // a model priced on one side only (embeddings: input) costs nothing on the other, as the package computes it
  rates.inputRate ??= 0
  rates.outputRate ??= 0
  const requests = price.requests_kcount
  if (typeof requests === 'number') rates.requestRate = requests * creditsPerUsd / 1000
  rates.tiers = [...tiers.values()].sort((a, b) => a.above - b.above)
  return rates
}

/** A model the package prices: its name there and its rates. */
export interface ListedPrice {
  packageModel: string
  rates: ModelRates
}

/**
 * Looks models up in the package once per minute at most (some prices depend on the date or the time of day) and
 * keeps a bounded number of answers, unknown names included: clients choose model names under a "*" provider.
 */
export class PriceList {
  private readonly cache = new LRUCache<string, { found: ListedPrice | undefined }>({ max: 2_000, ttl: 60_000 })

  constructor (private readonly creditsPerUsd: number) {}

  /** The built-in price of `upstreamModel` at `provider`, or undefined when the package has none. */
  lookup (provider: string, upstreamModel: string): ListedPrice | undefined {
    const providerId = PRICE_LIST_PROVIDERS[provider]
    if (providerId === undefined) return undefined
    const key = `${provider}/${upstreamModel}`
    let entry = this.cache.get(key)
    if (entry === undefined) {
      entry = { found: this.find(providerId, upstreamModel) }
      this.cache.set(key, entry)
    }
    return entry.found
  }

  rates (provider: string, upstreamModel: string): ModelRates | undefined {
    return this.lookup(provider, upstreamModel)?.rates
  }

  private find (providerId: string, upstreamModel: string): ListedPrice | undefined {
    const priced = calcPrice({}, upstreamModel, { providerId })
    if (priced === null) return undefined
    const rates = ratesOfPackagePrice(priced.model_price, this.creditsPerUsd)
    return rates === undefined ? undefined : { packageModel: priced.model.id, rates }
  }
}
