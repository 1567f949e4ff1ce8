import type { FastifyBaseLogger } from 'fastify'
import { ConflictError } from '#errors.js'
import type { CatalogModel, CatalogModelPatch, ModelRepository } from '#store/models.js'
import type { ModelRates } from './rates.js'
import type { RateTierType } from '#schemas/catalog.js'
import type { PriceList } from './price-list.js'
import type { PricedProvider } from './price-providers.js'

export type NewCatalogModel = Pick<CatalogModel, 'id'> & Partial<Omit<CatalogModel, 'id' | 'provider' | 'createdAt' | 'updatedAt'>>

/** The catalog entry's token rates replace the built-in ones when it sets either of the two main ones. */
function setsTokenPrice (model: CatalogModel): boolean {
  return model.inputRate !== null || model.outputRate !== null
}

/** Tiers ascending by `above`: a call pays the last one its prompt passes. */
function ascending (tiers: readonly RateTierType[]): RateTierType[] {
  return [...tiers].sort((a, b) => a.above - b.above)
}

/** Built-in token rates with the catalog entry's own image, request and media rates (those apply whenever set). */
function withCatalogRates (model: CatalogModel | undefined, builtin: ModelRates | undefined): ModelRates | undefined {
  if (model === undefined || builtin === undefined) return model ?? builtin
  return {
    ...builtin,
    imageRate: model.imageRate,
    imageRates: model.imageRates,
    requestRate: model.requestRate ?? builtin.requestRate,
    secondRate: model.secondRate ?? builtin.secondRate,
    characterRate: model.characterRate ?? builtin.characterRate
  }
}

/**
 * The model catalog held in memory for the request path (ids, upstream names, prices, fallbacks), written through
 * to the store and refreshed periodically so changes made by other replicas arrive too. A write given `repo`, a
 * transaction's repository (an audited change), goes there only: the caller applies it with `remember` or `forget`
 * once that has committed, so calls never see a change that may yet roll back.
 */
export class ModelCatalog {
  private byId = new Map<string, CatalogModel>()
  private byAlias = new Map<string, CatalogModel>()
  private readonly timer: NodeJS.Timeout

  /** `prices`: the built-in price list (catalog/price-list.ts), consulted for what the catalog does not price; none when BUILTIN_PRICES=false. */
  constructor (private readonly repo: ModelRepository, private readonly log: FastifyBaseLogger, refreshMs: number, private readonly prices?: PriceList) {
    this.timer = setInterval(() => {
      this.reload().catch((err: unknown) => { this.log.warn({ err }, 'model catalog refresh failed; keeping the last copy') })
    }, refreshMs)
    this.timer.unref()
  }

  async reload (): Promise<void> {
    this.byId = new Map((await this.repo.list()).map((m) => [m.id, m]))
    this.indexAliases()
  }

  /** The enabled catalog model an alias names ("gpt-4o-mini" → "openai/gpt-4o-mini"), if any. */
  modelForAlias (alias: string): CatalogModel | undefined {
    const model = this.byAlias.get(alias)
    return model?.enabled === true ? model : undefined
  }

  private indexAliases (): void {
    this.byAlias = new Map([...this.byId.values()].flatMap((m) => m.aliases.map((alias) => [alias, m] as const)))
  }

  list (): CatalogModel[] {
    return [...this.byId.values()]
  }

  get (id: string): CatalogModel | undefined {
    return this.byId.get(id)
  }

  /** The token-priced rates of `id`, or undefined when it has no token price (AIGNE and AI Kit answers state what a chat call cost). */
  price (id: string): ModelRates | undefined {
    const rates = this.rates(id)
    return rates === undefined || rates.inputRate === null || rates.outputRate === null ? undefined : rates
  }

  /**
   * Every rate of `id` for a call starting `at` (tokens, tiers, images, requests; catalog/call-cost.ts prices calls
   * with them), or undefined when neither the catalog nor the built-in price list knows it. The catalog's entry
   * wins: its token rates, when it sets any, replace the built-in ones whole (and hold at any time); its image and
   * request rates always apply.
   */
  rates (id: string, at = new Date()): ModelRates | undefined {
    const model = this.byId.get(id)
    if (model !== undefined && setsTokenPrice(model)) return model
    return withCatalogRates(model, this.builtin(id, model, (prices, provider, upstream) => prices.rates(provider, upstream, at)))
  }

  /**
   * Every set of rates a call to `id` starting `from` (or a little later) may be charged at: one, unless the built-in
   * price changes with the time of day (a budget reserves the highest). Empty when the model has no price.
   */
  possibleRates (id: string, from = new Date()): ModelRates[] {
    const model = this.byId.get(id)
    if (model !== undefined && setsTokenPrice(model)) return [model]
    const builtin = this.builtin(id, model, (prices, provider, upstream) => prices.possibleRates(provider, upstream, from)) ?? []
    if (builtin.length === 0) return model === undefined ? [] : [model]
    return builtin.map((rates) => withCatalogRates(model, rates) as ModelRates)
  }

  /** Takes the configured providers' price-list choices and base URLs (call after every provider reload). */
  useProviders (providers: readonly PricedProvider[]): void {
    this.prices?.useProviders(providers)
  }

  /** Whether the built-in price list knows `id` (it prices it unless the catalog entry sets its own token rates). */
  hasBuiltinPrice (id: string): boolean {
    return this.builtin(id, this.byId.get(id), (prices, provider, upstream) => prices.rates(provider, upstream)) !== undefined
  }

  /** Asks the built-in price list about `id`, by the upstream name its entry sends (or the id's own) at its provider. */
  private builtin<T> (id: string, model: CatalogModel | undefined, ask: (prices: PriceList, provider: string, upstreamModel: string) => T): T | undefined {
    if (this.prices === undefined) return undefined
    const slash = id.indexOf('/')
    return ask(this.prices, model?.provider ?? id.slice(0, slash), model?.upstreamModel ?? id.slice(slash + 1))
  }

  async create (input: NewCatalogModel, repo = this.repo): Promise<CatalogModel | undefined> {
    const now = new Date().toISOString()
    const slash = input.id.indexOf('/')
    const created = await repo.insert({
      id: input.id,
      provider: input.id.slice(0, slash),
      upstreamModel: input.upstreamModel ?? input.id.slice(slash + 1),
      kind: input.kind ?? 'chat',
      enabled: input.enabled ?? true,
      inputRate: input.inputRate ?? null,
      outputRate: input.outputRate ?? null,
      imageRate: input.imageRate ?? null,
      imageRates: input.imageRates ?? {},
      requestRate: input.requestRate ?? null,
      cachedInputRate: input.cachedInputRate ?? null,
      cacheWriteRate: input.cacheWriteRate ?? null,
      cacheWrite1hRate: input.cacheWrite1hRate ?? null,
      reasoningRate: input.reasoningRate ?? null,
      audioInputRate: input.audioInputRate ?? null,
      audioOutputRate: input.audioOutputRate ?? null,
      secondRate: input.secondRate ?? null,
      characterRate: input.characterRate ?? null,
      tiers: ascending(input.tiers ?? []),
      fallbacks: input.fallbacks ?? [],
      aliases: input.aliases ?? [],
      createdAt: now,
      updatedAt: now
    })
    if (created !== undefined) await this.writeAliases(created.id, created.aliases, now, repo)
    if (repo === this.repo) this.remember(created)
    return created
  }

  async update (id: string, patch: CatalogModelPatch, repo = this.repo): Promise<CatalogModel | undefined> {
    const now = new Date().toISOString()
    if (patch.aliases !== undefined && await repo.find(id) !== undefined) await this.writeAliases(id, patch.aliases, now, repo)
    const updated = await repo.update(id, patch.tiers === undefined ? patch : { ...patch, tiers: ascending(patch.tiers) }, now)
    if (repo === this.repo) this.remember(updated)
    return updated
  }

  async delete (id: string, repo = this.repo): Promise<boolean> {
    const deleted = await repo.delete(id)
    if (repo === this.repo) this.forget(id)
    return deleted
  }

  /** Aliases are unique across the catalog: one another model has refuses the whole change (409; run it in a transaction). */
  private async writeAliases (id: string, aliases: readonly string[], now: string, repo: ModelRepository): Promise<void> {
    const taken = await repo.replaceAliases(id, aliases, now)
    if (taken !== undefined) throw new ConflictError(`alias ${taken} already names another catalog model`)
  }

  /** Serves `model` as stored (a committed create or update). */
  remember (model: CatalogModel | undefined): void {
    if (model === undefined) return
    this.byId.set(model.id, model)
    this.indexAliases()
  }

  /** Stops serving `id` (a committed delete). */
  forget (id: string): void {
    this.byId.delete(id)
    this.indexAliases()
  }

  close (): void {
    clearInterval(this.timer)
  }
}
