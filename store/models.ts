import type { Kysely, Selectable } from 'kysely'
import type { Database, ModelsTable } from './schema.js'
import type { MediaRates, RateTierType, TokenRates } from '#schemas/catalog.js'
import type { CallKind } from '#schemas/usage-event.js'

export type ModelKind = CallKind

export interface CatalogModel extends TokenRates, MediaRates {
  /** "provider/model" as clients name it. */
  id: string
  provider: string
  upstreamModel: string
  kind: ModelKind
  enabled: boolean
  /** Credits per generated image when no rate of imageRates matches; null when not set. */
  imageRate: number | null
  /** Credits per image by "size/quality" (either part "*" for any). */
  imageRates: Record<string, number>
  /** Credits per answered call, on top of tokens or images; null when not set. */
  requestRate: number | null
  /** Long-context tiers, ascending by `above`. */
  tiers: RateTierType[]
  fallbacks: string[]
  /** Other names clients may use for this model ("gpt-4o-mini", "fast"); each names one model across the catalog. */
  aliases: string[]
  createdAt: string
  updatedAt: string
}

export type CatalogModelPatch = Partial<Omit<CatalogModel, 'id' | 'provider' | 'createdAt' | 'updatedAt'>>

/** Rate fields stored one column each: the model's property and its column. */
const DETAIL_RATE_COLUMNS = [
  ['cachedInputRate', 'cached_input_rate'], ['cacheWriteRate', 'cache_write_rate'], ['cacheWrite1hRate', 'cache_write_1h_rate'],
  ['reasoningRate', 'reasoning_rate'], ['audioInputRate', 'audio_input_rate'], ['audioOutputRate', 'audio_output_rate'],
  ['secondRate', 'second_rate'], ['characterRate', 'character_rate']
] as const

function nullableNumber (value: number | string | null): number | null {
  return value === null ? null : Number(value)
}

function toModel (row: Selectable<ModelsTable>, aliases: string[]): CatalogModel {
  return {
    id: row.id,
    provider: row.provider,
    upstreamModel: row.upstream_model,
    kind: row.kind as ModelKind,
    enabled: Number(row.enabled) === 1,
    inputRate: row.input_rate === null ? null : Number(row.input_rate),
    outputRate: row.output_rate === null ? null : Number(row.output_rate),
    imageRate: row.image_rate === null ? null : Number(row.image_rate),
    imageRates: JSON.parse(row.image_rates) as Record<string, number>,
    requestRate: row.request_rate === null ? null : Number(row.request_rate),
    ...Object.fromEntries(DETAIL_RATE_COLUMNS.map(([field, column]) => [field, nullableNumber(row[column])])) as Pick<CatalogModel, typeof DETAIL_RATE_COLUMNS[number][0]>,
    tiers: JSON.parse(row.rate_tiers) as RateTierType[],
    fallbacks: JSON.parse(row.fallbacks) as string[],
    aliases,
    createdAt: row.created_at,
    updatedAt: row.updated_at
  }
}

export class ModelRepository {
  constructor (private readonly db: Kysely<Database>) {}

  async list (): Promise<CatalogModel[]> {
    const [rows, aliases] = await Promise.all([
      this.db.selectFrom('models').selectAll().orderBy('id').execute(),
      this.db.selectFrom('model_aliases').select(['alias', 'model_id']).orderBy('alias').execute()
    ])
    const byModel = new Map<string, string[]>()
    for (const { alias, model_id: id } of aliases) byModel.set(id, [...byModel.get(id) ?? [], alias])
    return rows.map((row) => toModel(row, byModel.get(row.id) ?? []))
  }

  async find (id: string): Promise<CatalogModel | undefined> {
    const row = await this.db.selectFrom('models').selectAll().where('id', '=', id).executeTakeFirst()
    return row && toModel(row, await this.aliasesOf(id))
  }

  private async aliasesOf (id: string): Promise<string[]> {
    return (await this.db.selectFrom('model_aliases').select('alias').where('model_id', '=', id).orderBy('alias').execute()).map((a) => a.alias)
  }

  /**
   * Makes `aliases` the aliases of model `id`. Returns the first one another model already has (nothing of it is
   * then written by this call; run it in a transaction to undo the rest), or undefined when all are set.
   */
  async replaceAliases (id: string, aliases: readonly string[], now: string): Promise<string | undefined> {
    await this.db.deleteFrom('model_aliases').where('model_id', '=', id).execute()
    for (const alias of aliases) {
      const result = await this.db.insertInto('model_aliases').values({ alias, model_id: id, created_at: now })
        .onConflict((oc) => oc.column('alias').doNothing()).executeTakeFirst()
      if (Number(result.numInsertedOrUpdatedRows ?? 0) !== 1) return alias
    }
    return undefined
  }

  /** Inserts; returns undefined when the id already exists. */
  async insert (model: CatalogModel): Promise<CatalogModel | undefined> {
    const result = await this.db.insertInto('models').values({
      id: model.id,
      provider: model.provider,
      upstream_model: model.upstreamModel,
      kind: model.kind,
      enabled: model.enabled ? 1 : 0,
      input_rate: model.inputRate,
      output_rate: model.outputRate,
      image_rate: model.imageRate,
      image_rates: JSON.stringify(model.imageRates),
      request_rate: model.requestRate,
      ...Object.fromEntries(DETAIL_RATE_COLUMNS.map(([field, column]) => [column, model[field]])),
      rate_tiers: JSON.stringify(model.tiers),
      fallbacks: JSON.stringify(model.fallbacks),
      created_at: model.createdAt,
      updated_at: model.updatedAt
    }).onConflict((oc) => oc.column('id').doNothing()).executeTakeFirst()
    return Number(result.numInsertedOrUpdatedRows ?? 0) === 1 ? model : undefined
  }

  async update (id: string, patch: CatalogModelPatch, now: string): Promise<CatalogModel | undefined> {
    const values: Partial<ModelsTable> = { updated_at: now }
    if (patch.upstreamModel !== undefined) values.upstream_model = patch.upstreamModel
    if (patch.kind !== undefined) values.kind = patch.kind
    if (patch.enabled !== undefined) values.enabled = patch.enabled ? 1 : 0
    if (patch.inputRate !== undefined) values.input_rate = patch.inputRate
    if (patch.outputRate !== undefined) values.output_rate = patch.outputRate
    if (patch.imageRate !== undefined) values.image_rate = patch.imageRate
    if (patch.imageRates !== undefined) values.image_rates = JSON.stringify(patch.imageRates)
    if (patch.requestRate !== undefined) values.request_rate = patch.requestRate
    for (const [field, column] of DETAIL_RATE_COLUMNS) {
      const rate = patch[field]
      if (rate !== undefined) values[column] = rate
    }
    if (patch.tiers !== undefined) values.rate_tiers = JSON.stringify(patch.tiers)
    if (patch.fallbacks !== undefined) values.fallbacks = JSON.stringify(patch.fallbacks)
    await this.db.updateTable('models').set(values).where('id', '=', id).execute()
    return await this.find(id)
  }

  async delete (id: string): Promise<boolean> {
    await this.db.deleteFrom('model_aliases').where('model_id', '=', id).execute()
    const result = await this.db.deleteFrom('models').where('id', '=', id).executeTakeFirst()
    return Number(result.numDeletedRows) > 0
  }
}
