import type { CatalogModel } from '#store/models.js'
import type { PriceList } from './price-list.js'
import { TOKEN_RATE_FIELDS } from './rates.js'

/** One way a catalog entry's price differs from the built-in price list. */
export interface PriceDifference {
  model: string
  /** The price list provider its provider is priced by (a built-in id's, or an admin-added provider's choice or URL match); null: none. */
  priceList: string | null
  /** A rate field, "tiers", or "*" when the price list has no price for the model at all. */
  field: string
  catalog: unknown
  builtin: unknown
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b)

/**
 * Where catalog entries that set their own token price (they override the built-in one) differ from it, field by
 * field, at the price in force now; entries without a token price of their own take the built-in one and differ in
 * nothing. `prices` should know the stored providers (useProviders) so admin-added ones are compared with their list.
 */
export function priceDifferences (models: readonly CatalogModel[], prices: PriceList): PriceDifference[] {
  const differences: PriceDifference[] = []
  for (const model of models) {
    if (model.inputRate === null && model.outputRate === null) continue
    const about = { model: model.id, priceList: prices.providers.of(model.provider) ?? null }
    const builtin = prices.rates(model.provider, model.upstreamModel)
    if (builtin === undefined) {
      differences.push({ ...about, field: '*', catalog: 'priced', builtin: null })
      continue
    }
    for (const field of TOKEN_RATE_FIELDS) {
      if (!same(model[field], builtin[field])) differences.push({ ...about, field, catalog: model[field], builtin: builtin[field] })
    }
    if (!same(model.tiers, builtin.tiers)) differences.push({ ...about, field: 'tiers', catalog: model.tiers, builtin: builtin.tiers })
  }
  return differences
}

/** The differences as a plain-text table. */
export function differencesTable (differences: readonly PriceDifference[]): string {
  if (differences.length === 0) return 'The catalog agrees with the built-in price list.\n'
  const cell = (value: unknown): string => value === null ? '–' : typeof value === 'object' ? JSON.stringify(value) : String(value)
  const rows = [['model', 'price list', 'field', 'catalog', 'built-in'], ...differences.map((d) => [d.model, cell(d.priceList), d.field, cell(d.catalog), cell(d.builtin)])]
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)))
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n') + '\n'
}
