import type SQLite from 'better-sqlite3'
import { sql, type Kysely } from 'kysely'
import type { Database, UsageRecordsTable } from './schema.js'
import type { UsageEvent } from '#schemas/usage-event.js'
import { TOKEN_DETAIL_COLUMNS } from './migrations/014-cost-detail.js'
import { MEDIA_USAGE_COLUMNS } from './migrations/017-media-usage.js'

/** One metered call, as written to usage_records: the provider layer's usage event plus who pays and what (pricing inputs aside). */
export interface UsageRecord extends Omit<UsageEvent, 'principalId' | 'error' | 'kind' | 'usageEstimated' | 'images' | 'imageSize' | 'imageQuality'> {
  id: string
  at: string
  /** The principal id: an access key id, or `jwt:<sub>`. */
  keyId: string
  credits: number
  /** False when the model had no price and the call was recorded at zero. */
  priced: boolean
  error: string | null
}

export type UsageDimension = 'key' | 'app' | 'model' | 'provider' | 'day'

export interface UsageTotals {
  requests: number
  errors: number
  promptTokens: number
  completionTokens: number
  totalTokens: number
  credits: number
  /** Parts of the prompt and completion tokens priced at their own rates. */
  cachedTokens: number
  cacheWriteTokens: number
  cacheWrite1hTokens: number
  reasoningTokens: number
  audioInputTokens: number
  audioOutputTokens: number
  /** Seconds of video or audio, and characters of speech input (priced per second / character). */
  seconds: number
  characters: number
}

/** Summed columns → report fields: the token counts and credits every report adds up. */
const SUMMED = [
  ['prompt_tokens', 'promptTokens'], ['completion_tokens', 'completionTokens'], ['total_tokens', 'totalTokens'], ['credits', 'credits'],
  ['cached_tokens', 'cachedTokens'], ['cache_write_tokens', 'cacheWriteTokens'], ['cache_write_1h_tokens', 'cacheWrite1hTokens'],
  ['reasoning_tokens', 'reasoningTokens'], ['audio_input_tokens', 'audioInputTokens'], ['audio_output_tokens', 'audioOutputTokens'],
  ['seconds', 'seconds'], ['characters', 'characters']
] as const satisfies ReadonlyArray<readonly [string, keyof UsageTotals]>

function noUsage (): UsageTotals {
  const totals = { requests: 0, errors: 0 } as UsageTotals
  for (const [, field] of SUMMED) totals[field] = 0
  return totals
}

export type UsageRow = UsageTotals & Partial<Record<UsageDimension, string>>

export interface UsageQuery {
  since: string
  until: string
  groupBy: UsageDimension[]
  keyId?: string | undefined
  /** Only the calls of this app ('' for calls that named none). */
  app?: string | undefined
}

const WATERMARK = 'rolled_up_through'
const columnOf: Record<UsageDimension, 'key_id' | 'app' | 'model' | 'provider' | 'day'> = { key: 'key_id', app: 'app', model: 'model', provider: 'provider', day: 'day' }

/**
 * The usage_records row of `r` as its values in USAGE_COLUMNS order: what the usage journal writes as a call's line
 * and what the SQLite path binds by position as it is (no row object, no Object.values per row); the Kysely path
 * names them (rowOf).
 */
export function usageRowValues (r: UsageRecord): UsageRowValues {
  return [
    r.id, r.requestId, r.at, r.keyId, r.model, r.provider, r.upstreamModel, r.promptTokens, r.completionTokens,
    r.totalTokens, r.credits, r.priced ? 1 : 0, r.status, Math.round(r.latencyMs), Math.round(r.ttfbMs),
    r.streamed ? 1 : 0, r.clientAborted ? 1 : 0, r.error,
    r.cachedTokens ?? 0, r.cacheWriteTokens ?? 0, r.cacheWrite1hTokens ?? 0, r.reasoningTokens ?? 0,
    r.audioInputTokens ?? 0, r.audioOutputTokens ?? 0, r.seconds ?? 0, r.characters ?? 0,
    // a record journaled by a version before apps were recorded has none
    r.app ?? ''
  ]
}

/** A row's values in USAGE_COLUMNS order. */
export type UsageRowValues = ReadonlyArray<string | number | null>

const FIRST_COLUMNS: ReadonlyArray<keyof UsageRecordsTable> = [
  'id', 'request_id', 'at', 'key_id', 'model', 'provider', 'upstream_model', 'prompt_tokens', 'completion_tokens',
  'total_tokens', 'credits', 'priced', 'status', 'latency_ms', 'ttfb_ms', 'streamed', 'client_aborted', 'error'
]

/**
 * Columns added to usage_records after its first version, in order, with the value (their SQL default) a row
 * journaled before them is completed with on replay. A new column goes at the end of this list, with its default.
 */
const ADDED_COLUMNS: ReadonlyArray<readonly [keyof UsageRecordsTable, number | string]> = [
  ...[...TOKEN_DETAIL_COLUMNS, ...MEDIA_USAGE_COLUMNS].map((column) => [column, 0] as const), ['app', '']
]

const USAGE_COLUMNS: ReadonlyArray<keyof UsageRecordsTable> = [...FIRST_COLUMNS, ...ADDED_COLUMNS.map(([column]) => column)]

/** Where a row's values say which record it is (a dropped row is logged by these). */
export function usageRowIdentity (row: UsageRowValues): { id: unknown, keyId: unknown, model: unknown } {
  return { id: row[0], keyId: row[3], model: row[4] }
}

/**
 * The row a usage journal line holds, or undefined when the line is not one: this version's lines are row values
 * (completed with the defaults of columns added since they were written; a later version's extra columns, after a
 * downgrade, are left out: the record is kept); earlier versions wrote the record object.
 */
export function journaledUsageRow (line: unknown): UsageRowValues | undefined {
  if (Array.isArray(line)) {
    if (typeof line[0] !== 'string' || line.length < FIRST_COLUMNS.length || !line.every(isColumnValue)) return undefined
    if (line.length === USAGE_COLUMNS.length) return line as UsageRowValues
    if (line.length > USAGE_COLUMNS.length) return line.slice(0, USAGE_COLUMNS.length) as UsageRowValues
    return [...line as UsageRowValues, ...ADDED_COLUMNS.slice(line.length - FIRST_COLUMNS.length).map(([, value]) => value)]
  }
  if (typeof line === 'object' && line !== null && typeof (line as { id?: unknown }).id === 'string') return usageRowValues(line as UsageRecord)
  return undefined
}

function isColumnValue (value: unknown): boolean {
  return value === null || typeof value === 'string' || typeof value === 'number'
}

function rowOf (values: UsageRowValues): UsageRecordsTable {
  const row: Record<string, string | number | null> = {}
  USAGE_COLUMNS.forEach((column, i) => { row[column] = values[i] as string | number | null })
  return row as unknown as UsageRecordsTable
}

/** Writes rows at once and says true, or says false when it cannot right now (then Kysely's path runs). */
export type DirectUsageInsert = (rows: UsageRowValues[]) => boolean

/**
 * Usage batches on SQLite through one prepared statement in one transaction: a call's record costs a few
 * microseconds instead of the ~25 µs of compiling and preparing a many-row INSERT through Kysely every batch
 * (better-sqlite3 runs on the event loop, so this is request-path time). It declines while Kysely holds a
 * transaction open on the shared connection: the rows must not join (and roll back with) someone else's work.
 */
export function sqliteUsageInsert (database: SQLite.Database): DirectUsageInsert {
  let insertAll: ((rows: UsageRowValues[]) => void) | undefined
  return (rows) => {
    if (database.inTransaction) return false
    if (insertAll === undefined) {
      // prepared on first use: the table exists only once migrations ran
      // positional parameters: binding by name costs a property lookup per column (~3 µs a row); passed as arguments,
      // not as one array, which better-sqlite3 would read element by element through V8's API (~0.6 µs more a row)
      const insert = database.prepare(`insert into usage_records (${USAGE_COLUMNS.join(', ')}) values (${USAGE_COLUMNS.map(() => '?').join(', ')}) on conflict (id) do nothing`)
      insertAll = database.transaction((batch: UsageRowValues[]) => { for (const values of batch) insert.run(...values) })
    }
    insertAll(rows)
    return true
  }
}

export function dayOf (iso: string): string {
  return iso.slice(0, 10)
}

/**
 * Usage storage. Raw rows answer recent questions; days up to the rollup watermark are answered from usage_daily,
 * so dashboards stay fast and raw rows can be purged after the retention period.
 */
export class UsageRepository {
  /** `maintenanceDb`: the same database, where rollups and purges run without the request path's query timeout. */
  constructor (private readonly db: Kysely<Database>, private readonly direct?: DirectUsageInsert, private readonly maintenanceDb = db) {}

  async insertBatch (records: UsageRecord[]): Promise<void> {
    await this.insertRows(records.map(usageRowValues))
  }

  /** Rows as the usage journal holds them (usageRowValues); an id the store has is skipped (a replay is harmless). */
  async insertRows (values: UsageRowValues[]): Promise<void> {
    if (values.length === 0) return
    if (this.direct?.(values) === true) return
    const rows = values.map(rowOf)
    // well under SQLite's 32k bound-parameter limit per statement (27 columns × 500 rows)
    for (let i = 0; i < rows.length; i += 500) {
      await this.db.insertInto('usage_records').values(rows.slice(i, i + 500))
        .onConflict((oc) => oc.column('id').doNothing()).execute()
    }
  }

  /** Last day (YYYY-MM-DD) whose raw rows are folded into usage_daily, or '' when none is. */
  async watermark (): Promise<string> {
    const row = await this.db.selectFrom('usage_state').select('value').where('name', '=', WATERMARK).executeTakeFirst()
    return row?.value ?? ''
  }

  /** Totals over [since, until), grouped by the given dimensions, from daily rollups plus raw rows after the watermark. */
  async aggregate (query: UsageQuery): Promise<UsageRow[]> {
    const watermark = await this.watermark()
    const merged = new Map<string, UsageRow>()
    const add = (row: Record<string, unknown>): void => {
      const dims: Partial<Record<UsageDimension, string>> = {}
      for (const d of query.groupBy) dims[d] = String(row[d])
      const id = query.groupBy.map((d) => dims[d]).join('\u0000')
      const into = merged.get(id) ?? { ...dims, ...noUsage() }
      into.requests += Number(row.requests)
      into.errors += Number(row.errors)
      for (const [column, field] of SUMMED) into[field] += Number(row[column] ?? 0)
      merged.set(id, into)
    }
    const dailyUntil = minString(dayOf(query.until), nextDay(watermark))
    if (watermark !== '' && dayOf(query.since) < dailyUntil) {
      // usage_daily has no app: a question about apps is answered from the finer usage_daily_apps
      const byApp = query.app !== undefined || query.groupBy.includes('app')
      let q = this.db.selectFrom(byApp ? 'usage_daily_apps' : 'usage_daily' as 'usage_daily_apps')
        .where('day', '>=', dayOf(query.since)).where('day', '<', dailyUntil)
      if (query.keyId !== undefined) q = q.where('key_id', '=', query.keyId)
      if (query.app !== undefined) q = q.where('app', '=', query.app)
      const rows = await q.select((eb) => [
        ...query.groupBy.map((d) => eb.ref(columnOf[d]).as(d)),
        eb.fn.sum<number>('requests').as('requests'),
        eb.fn.sum<number>('errors').as('errors'),
        ...SUMMED.map(([column]) => eb.fn.sum<number>(column).as(column))
      ]).$if(query.groupBy.length > 0, (qb) => qb.groupBy(query.groupBy.map((d) => columnOf[d]))).execute()
      rows.forEach((r) => add(r as Record<string, unknown>))
    }
    const rawSince = watermark === '' || query.since >= nextDay(watermark) ? query.since : nextDay(watermark)
    if (rawSince < query.until) {
      const dayExpr = sql<string>`substr(at, 1, 10)`
      let q = this.db.selectFrom('usage_records').where('at', '>=', rawSince).where('at', '<', query.until)
      if (query.keyId !== undefined) q = q.where('key_id', '=', query.keyId)
      if (query.app !== undefined) q = q.where('app', '=', query.app)
      const rows = await q.select((eb) => [
        ...query.groupBy.map((d) => (d === 'day' ? dayExpr.as('day') : eb.ref(columnOf[d] as 'key_id').as(d))),
        eb.fn.countAll<number>().as('requests'),
        eb.fn.sum<number>(eb.case().when('status', '>=', 400).then(1).else(0).end()).as('errors'),
        ...SUMMED.map(([column]) => eb.fn.sum<number>(column).as(column))
      ]).$if(query.groupBy.length > 0, (qb) => qb.groupBy(query.groupBy.map((d) => (d === 'day' ? dayExpr : columnOf[d] as 'key_id')))).execute()
      rows.filter((r) => Number(r.requests) > 0).forEach((r) => add(r as Record<string, unknown>))
    }
    return [...merged.values()]
  }

  /** Models used in [since, until) that had no price (recorded at zero credits). Raw rows only: the retention window. */
  async unpricedModels (since: string, until: string): Promise<string[]> {
    const rows = await this.db.selectFrom('usage_records').select('model').distinct()
      .where('priced', '=', 0).where('total_tokens', '>', 0).where('at', '>=', since).where('at', '<', until)
      .orderBy('model').execute()
    return rows.map((r) => r.model)
  }

  /** Credits a key spent since `since` (inclusive); with `app`, that app's calls under the key only. */
  async spentSince (keyId: string, since: string, app?: string): Promise<number> {
    const [row] = await this.aggregate({ since, until: '9999-12-31T23:59:59.999Z', groupBy: [], keyId, app })
    return row?.credits ?? 0
  }

  /** Folds every complete day after the watermark up to `throughDay` into usage_daily, one transaction per day. */
  async rollup (throughDay: string): Promise<number> {
    // a busy day's raw rows take a while to fold: not the request path's query timeout
    const db = this.maintenanceDb
    let watermark = await this.watermark()
    let days = 0
    if (watermark === '') {
      const oldest = await db.selectFrom('usage_records').select((eb) => eb.fn.min('at').as('at')).executeTakeFirst()
      if (oldest?.at == null) return 0
      watermark = previousDay(dayOf(String(oldest.at)))
    }
    for (let day = nextDay(watermark); day <= throughDay; day = nextDay(day)) {
      await db.transaction().execute(async (trx) => {
        // the same day twice: per key, model and provider, and per app too
        for (const [table, dims] of [['usage_daily', ['key_id', 'model', 'provider']], ['usage_daily_apps', ['key_id', 'app', 'model', 'provider']]] as const) {
          await trx.deleteFrom(table).where('day', '=', day).execute()
          await trx.insertInto(table as 'usage_daily_apps').columns(['day', ...dims, 'requests', 'errors', ...SUMMED.map(([column]) => column)])
            .expression((eb) => eb.selectFrom('usage_records')
              .where('at', '>=', `${day}T00:00:00.000Z`).where('at', '<', `${nextDay(day)}T00:00:00.000Z`)
              .select((s) => [
                sql.lit(day).as('day'), ...dims,
                s.fn.countAll().as('requests'),
                s.fn.sum(s.case().when('status', '>=', 400).then(1).else(0).end()).as('errors'),
                ...SUMMED.map(([column]) => s.fn.sum(column).as(column))
              ])
              .groupBy([...dims]))
            .execute()
        }
        await trx.insertInto('usage_state').values({ name: WATERMARK, value: day })
          .onConflict((oc) => oc.column('name').doUpdateSet({ value: day })).execute()
      })
      days++
    }
    return days
  }

  /** Deletes raw rows older than `before`, never past the rollup watermark (so nothing is lost). */
  async purge (before: string): Promise<number> {
    const watermark = await this.watermark()
    if (watermark === '') return 0
    const limit = minString(before, `${nextDay(watermark)}T00:00:00.000Z`)
    // the delete may take long: not the request path's query timeout
    const result = await this.maintenanceDb.deleteFrom('usage_records').where('at', '<', limit).executeTakeFirst()
    return Number(result.numDeletedRows)
  }
}

function shiftDay (day: string, by: number): string {
  const d = new Date(`${day}T00:00:00.000Z`)
  d.setUTCDate(d.getUTCDate() + by)
  return d.toISOString().slice(0, 10)
}

export function nextDay (day: string): string {
  return day === '' ? '0000-01-01' : shiftDay(day, 1)
}

function previousDay (day: string): string {
  return shiftDay(day, -1)
}

function minString (a: string, b: string): string {
  return a < b ? a : b
}
