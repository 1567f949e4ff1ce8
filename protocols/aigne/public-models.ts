import type { FastifyError } from 'fastify'
import type { CatalogModel, ModelKind } from '#store/models.js'
import { BUILTIN_PROVIDERS } from '#catalog/builtin-providers.js'
import { MEDIA_KINDS, mediaModelsOf, resolveMediaModel } from '#gateway/media-models.js'
import type { ProviderRegistry } from '#gateway/registry.js'
import type { AigneModelEntryType } from '#schemas/aigne.js'
import type { ModelRates } from '#catalog/rates.js'

/** A model's rates: the catalog's, else the built-in price list's (ModelCatalog.rates). */
type RatesOf = (id: string) => ModelRates | undefined

/**
 * The model list AIGNE clients read (GET /api/ai/models): every enabled catalog entry, with its prices,
 * and every model the configured providers offer that the catalog does not mention (chat models from the
 * registry, built-in embedding and image models), priced when the built-in price list knows them. A catalog
 * entry, enabled or not, decides for its id: a disabled one hides the model. `status.available` says whether a
 * call would reach a provider.
 */
export function publicModels (catalog: readonly CatalogModel[], registry: ProviderRegistry, type?: string, rates: RatesOf = () => undefined): AigneModelEntryType[] {
  const decided = new Set(catalog.map((m) => m.id))
  const entries = catalog.filter((m) => m.enabled).map((m) => entry(m.id, m.kind, registry, rates))
  for (const model of registry.models()) {
    if (!decided.has(model.id)) entries.push(entry(model.id, 'chat', registry, rates))
  }
  for (const provider of registry.list()) {
    for (const kind of MEDIA_KINDS) {
      for (const model of mediaModelsOf(provider.id, kind)) {
        const id = `${provider.id}/${model}`
        if (!decided.has(id)) entries.push(entry(id, kind, registry, rates))
      }
    }
  }
  return entries.filter((e) => type === undefined || e.type === type).sort((a, b) => a.key.localeCompare(b.key))
}

function entry (id: string, kind: ModelKind, registry: ProviderRegistry, rates: RatesOf): AigneModelEntryType {
  const priced = rates(id)
  const slash = id.indexOf('/')
  const provider = id.slice(0, slash)
  return {
    key: id,
    model: id.slice(slash + 1),
    type: kind,
    provider,
    input_credits_per_token: perToken(priced?.inputRate),
    output_credits_per_token: perToken(priced?.outputRate),
    modelMetadata: null,
    providerDisplayName: registry.get(provider)?.displayName ?? BUILTIN_PROVIDERS.find((p) => p.id === provider)?.displayName ?? provider,
    status: { available: serves(registry, id, kind) }
  }
}

/** The catalog's rate per 1M tokens as credits per token, in plain decimal notation ("" when unpriced, never a misleading "0"). */
export function perToken (ratePerMillion: number | null | undefined): string {
  if (ratePerMillion === null || ratePerMillion === undefined) return ''
  return (ratePerMillion / 1_000_000).toLocaleString('en-US', { useGrouping: false, maximumFractionDigits: 20 })
}

/**
 * Why no call for `id` as any of `kinds` would be routed to a provider (the first kind's reason, the most
 * telling: unknown provider, not configured, not offered), or undefined when one would.
 */
export function unavailability (registry: ProviderRegistry, id: string, kinds: readonly ModelKind[]): FastifyError | undefined {
  let first: FastifyError | undefined
  for (const kind of kinds) {
    try {
      if (kind === 'chat') registry.resolve(id)
      else resolveMediaModel(registry, id, kind)
      return undefined
    } catch (err) {
      first ??= err as FastifyError
    }
  }
  return first
}

/** Whether a call for `id` as a `kind` model would be routed to a provider (the provider's own answer aside). */
export function serves (registry: ProviderRegistry, id: string, kind: ModelKind): boolean {
  return unavailability(registry, id, [kind]) === undefined
}
