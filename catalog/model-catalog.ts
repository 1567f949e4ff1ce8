import type { FastifyBaseLogger } from 'fastify'
import { ConflictError } from '#errors.js'
import type { CatalogModel, CatalogModelPatch, ModelRepository } from '#store/models.js'
import type { ModelRates } from './call-cost.js'

export interface ModelPrice {
  /** Credits per 1M input (prompt) tokens. */
  inputRate: number
  /** Credits per 1M output (completion) tokens. */
  outputRate: number
}

export type NewCatalogModel = Pick<CatalogModel, 'id'> & Partial<Omit<CatalogModel, 'id' | 'provider' | 'createdAt' | 'updatedAt'>>

/** Credits for a call: rates are per million tokens. */
export function creditsFor (price: ModelPrice, promptTokens: number, completionTokens: number): number {
  return (promptTokens * price.inputRate + completionTokens * price.outputRate) / 1_000_000
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

  constructor (private readonly repo: ModelRepository, private readonly log: FastifyBaseLogger, refreshMs: number) {
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

  /** The price of `id`, or undefined when the catalog has none (the unpriced-model policy decides what happens). */
  price (id: string): ModelPrice | undefined {
    const model = this.byId.get(id)
    if (model === undefined || model.inputRate === null || model.outputRate === null) return undefined
    return { inputRate: model.inputRate, outputRate: model.outputRate }
  }

  /** Every rate of `id` (tokens, images, requests), or undefined when it is not in the catalog (catalog/call-cost.ts prices calls). */
  rates (id: string): ModelRates | undefined {
    return this.byId.get(id)
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
    const updated = await repo.update(id, patch, now)
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
