import type { ModelPrice } from '@pydantic/genai-prices'
import { LRUCache } from 'lru-cache'
import { NO_RATES, type ModelRates, type RateTier, type TokenRates } from './rates.js'
import { PriceProviders, type PricedProvider } from './price-providers.js'
import { pricePackage } from './price-package.js'
import { PriceSchedule } from './price-windows.js'

/*
 * The built-in price list: @pydantic/genai-prices, a maintained list of providers' published prices (USD per 1M
 * tokens, long-context tiers, cache reads and writes), bundled in the package: prices change when the package is
 * updated, never fetched at run time. Its prices become credits at CREDITS_PER_USD.
 */

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

/** A model the package knows: its name there and its prices over time. */
interface ListedModel {
  packageModel: string
  schedule: PriceSchedule
}

/**
 * Looks models up in the package once (its data is bundled, so an answer holds until the process restarts) and keeps
 * a bounded number of answers, unknown names included: clients choose model names under a "*" provider. A model whose
 * price depends on the date or the time of day (DeepSeek's off-peak hours) is priced at the call's start time, each
 * of its prices converted to rates once.
 */
export class PriceList {
  private readonly models = new LRUCache<string, { found: ListedModel | undefined }>({ max: 2_000 })
  private readonly converted = new WeakMap<ModelPrice, { rates: ModelRates | undefined }>()
  /** Which package provider prices each provider's models (built-in ids, and admin-added providers by choice or URL). */
  readonly providers = new PriceProviders()

  constructor (private readonly creditsPerUsd: number) {}

  /** Takes the configured providers' price-list choices and base URLs (after every provider reload). */
  useProviders (providers: readonly PricedProvider[]): void {
    this.providers.use(providers)
  }

  /** The built-in price of `upstreamModel` at `provider` for a call starting `at`, or undefined when the package has none. */
  lookup (provider: string, upstreamModel: string, at = new Date()): ListedPrice | undefined {
    const model = this.model(provider, upstreamModel)
    if (model === undefined) return undefined
    const rates = this.ratesOf(model.schedule.at(at))
    return rates === undefined ? undefined : { packageModel: model.packageModel, rates }
  }

  rates (provider: string, upstreamModel: string, at = new Date()): ModelRates | undefined {
    return this.lookup(provider, upstreamModel, at)?.rates
  }

  /** Every built-in price a call starting `from` (or a little later) may pay; empty when the package has none. */
  possibleRates (provider: string, upstreamModel: string, from = new Date()): ModelRates[] {
    const model = this.model(provider, upstreamModel)
    if (model === undefined) return []
    return model.schedule.possibleFrom(from).map((price) => this.ratesOf(price)).filter((rates): rates is ModelRates => rates !== undefined)
  }

  private model (provider: string, upstreamModel: string): ListedModel | undefined {
    const providerId = this.providers.of(provider)
    if (providerId === undefined) return undefined
    const key = `${providerId}/${upstreamModel}`
    let entry = this.models.get(key)
    if (entry === undefined) {
      const priced = pricePackage().calcPrice({}, upstreamModel, { providerId })
      entry = { found: priced === null ? undefined : { packageModel: priced.model.id, schedule: new PriceSchedule(priced.model) } }
      this.models.set(key, entry)
    }
    return entry.found
  }

  private ratesOf (price: ModelPrice): ModelRates | undefined {
    let entry = this.converted.get(price)
    if (entry === undefined) {
      entry = { rates: ratesOfPackagePrice(price, this.creditsPerUsd) }
      this.converted.set(price, entry)
    }
    return entry.rates
  }
}
