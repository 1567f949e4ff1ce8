import { join, resolve } from 'node:path'
import SQLite from 'better-sqlite3'
import { Kysely, Migrator, SqliteDialect, sql } from 'kysely'
import type { Database } from './schema.js'
import { migrationProvider } from './migrations/index.js'
import { AccessKeyRepository } from './access-keys.js'
import { AdminSessionRepository } from './admin-sessions.js'
import { AuditRepository } from './audit.js'
import { UsageRepository, sqliteUsageInsert } from './usage.js'
import { ModelRepository } from './models.js'
import { ProviderRepository } from './providers.js'
import { ResponseRepository } from './responses.js'
import { ConnectSessionRepository } from './connect-sessions.js'
import { sqliteChangeFeed } from './change-feed.js'
import type { Connection } from './connection.js'
import type { Config } from '#config.js'
import { isPostgresUrl } from './database-url.js'
import { ensurePrivateDir, privateSqliteFiles } from './private-files.js'

export type Dialect = Connection['dialect']

export interface StoreOptions {
  /** A postgres:// URL, a sqlite file path (optionally `sqlite:` / `file:` prefixed), or undefined for DATA_DIR/hubgate.db. */
  databaseUrl?: string | undefined
  dataDir: string
  /** Postgres schema the tables live in (created if missing). */
  schema?: string
  /** Postgres: how long a query may go unanswered before it fails and its connection is replaced (none when unset). */
  queryTimeoutMs?: number
}

export interface Store {
  readonly db: Kysely<Database>
  /** The same database for background maintenance: queries without the request path's timeout (see Connection). */
  readonly maintenanceDb: Kysely<Database>
  readonly dialect: Dialect
  readonly accessKeys: AccessKeyRepository
  readonly audit: AuditRepository
  readonly usage: UsageRepository
  readonly models: ModelRepository
  readonly providers: ProviderRepository
  readonly adminSessions: AdminSessionRepository
  /** Stored OpenAI Responses (previous_response_id), per access key. */
  readonly responses: ResponseRepository
  /** Sessions of `aigne hub connect`. */
  readonly connectSessions: ConnectSessionRepository
  /** Moves when another process or replica may have changed access keys (see change-feed.ts). */
  keyChangeVersion (): number
  /** Another process says it changed access keys (a cluster worker, told by its primary): keyChangeVersion moves now. */
  noteKeyChangeElsewhere (): void
  /** Runs `work` in one transaction: every change made through the repositories it gets commits together, or none. */
  transaction<T> (work: (store: StoreTransaction) => Promise<T>): Promise<T>
  /** Resolves when the database answers a trivial query. */
  ping (): Promise<void>
  close (): Promise<void>
}

/** The repositories of one transaction (see Store.transaction): an admin change and its audit line, say. */
export type StoreTransaction = Pick<Store, 'accessKeys' | 'audit' | 'models' | 'providers' | 'adminSessions' | 'connectSessions'>

/** Kysely's error for a query made after close(): at shutdown, a request still running finds the store gone (a 503, not a bug). */
export function isStoreClosedError (err: unknown): boolean {
  return err instanceof Error && err.message === 'driver has already been destroyed'
}

/**
 * The store refused the data itself (a value it cannot hold, a broken constraint), as opposed to being unavailable:
 * sending the same data again would fail again. Postgres SQLSTATE classes 22 and 23, and SQLite's equivalents.
 */
export function isDataError (err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code
  return typeof code === 'string' && (/^2[23][0-9A-Z]{3}$/.test(code) || /^SQLITE_(CONSTRAINT|MISMATCH|TOOBIG|RANGE)/.test(code))
}

/** The store the gateway's configuration describes (the server and the CLI open the same one). */
export function storeOptions (config: Config): StoreOptions {
  return { databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR, schema: config.DATABASE_SCHEMA, queryTimeoutMs: config.DATABASE_QUERY_TIMEOUT_MS }
}

export async function openStore (options: StoreOptions): Promise<Store> {
  const { db, maintenanceDb, dialect, exclusively, changes, serve, usageInsert } = isPostgresUrl(options.databaseUrl)
    ? await (await import('./postgres.js')).connectPostgres(options.databaseUrl as string, options.schema ?? 'public', options.queryTimeoutMs)
    : connectSqlite(sqlitePath(options))
  try {
    // on Postgres the migrator must be told the schema: it looks for its tables in every schema otherwise
    await exclusively(async () => { await migrate(db, dialect === 'postgres' ? options.schema ?? 'public' : undefined) })
  } catch (err) {
    await changes.close()
    await db.destroy()
    throw err
  }
  serve()
  let changesHeardOf = 0
  return {
    db,
    maintenanceDb,
    dialect,
    accessKeys: new AccessKeyRepository(db, changes.announce),
    audit: new AuditRepository(db),
    usage: new UsageRepository(db, usageInsert, maintenanceDb),
    models: new ModelRepository(db),
    providers: new ProviderRepository(db),
    adminSessions: new AdminSessionRepository(db),
    responses: new ResponseRepository(db),
    connectSessions: new ConnectSessionRepository(db),
    // both parts only grow, so their sum moves whenever either does
    keyChangeVersion: () => changes.version() + changesHeardOf,
    noteKeyChangeElsewhere () { changesHeardOf++ },
    async transaction (work) {
      return await db.transaction().execute(async (trx) => await work({
        accessKeys: new AccessKeyRepository(trx, changes.announce),
        audit: new AuditRepository(trx),
        models: new ModelRepository(trx),
        providers: new ProviderRepository(trx),
        adminSessions: new AdminSessionRepository(trx),
        connectSessions: new ConnectSessionRepository(trx)
      }))
    },
    async ping () { await sql`select 1`.execute(db) },
    async close () {
      await changes.close()
      await db.destroy()
    }
  }
}

function sqlitePath ({ databaseUrl, dataDir }: StoreOptions): string {
  if (databaseUrl === undefined) {
    ensurePrivateDir(dataDir)
    return join(dataDir, 'hubgate.db')
  }
  if (databaseUrl === ':memory:') return databaseUrl
  return resolve(databaseUrl.replace(/^(sqlite|file):(\/\/)?/, ''))
}

function connectSqlite (path: string): Connection {
  // key hashes and sealed provider credentials: the file and its -wal/-shm are for this user only
  if (path !== ':memory:') privateSqliteFiles(path)
  const database = new SQLite(path)
  // first, so that the WAL switch below waits for another process opening the same file
  database.pragma('busy_timeout = 5000')
  database.pragma('journal_mode = WAL')
  database.pragma('synchronous = NORMAL')
  database.pragma('foreign_keys = ON')
  // better-sqlite3 builds SQLite with a 16 MB page cache; the hot path only appends usage rows, and the OS caches
  // the file anyway, so SQLite's own default of 2 MB keeps ~14 MB of resident memory off every gateway
  database.pragma('cache_size = -2000')
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database }) })
  return {
    db,
    // an embedded file has no query timeout to lift
    maintenanceDb: db,
    dialect: 'sqlite',
    changes: sqliteChangeFeed(database),
    usageInsert: sqliteUsageInsert(database),
    // an embedded file has no connection to lose: its errors are what they are
    serve: () => {},
    // Kysely's SQLite migrator takes no lock; an immediate transaction on our single connection makes
    // another process (a replica, the CLI) wait, then find the migrations done
    async exclusively (work) {
      await beginImmediate(database)
      try {
        await work()
        database.exec('COMMIT')
      } catch (err) {
        if (database.inTransaction) database.exec('ROLLBACK')
        throw err
      }
    }
  }
}

/**
 * Takes SQLite's write lock without blocking the event loop: better-sqlite3 waits synchronously, which
 * would stall a process that holds the lock itself through another connection (two stores, one file).
 */
async function beginImmediate (database: SQLite.Database, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  const busyTimeout = database.pragma('busy_timeout', { simple: true }) as number
  database.pragma('busy_timeout = 0')
  try {
    for (;;) {
      try {
        database.exec('BEGIN IMMEDIATE')
        return
      } catch (err) {
        if ((err as { code?: string }).code !== 'SQLITE_BUSY' || Date.now() > deadline) throw err
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
    }
  } finally {
    database.pragma(`busy_timeout = ${busyTimeout}`)
  }
}

async function migrate (db: Kysely<Database>, migrationTableSchema: string | undefined): Promise<void> {
  const migrator = new Migrator({ db, provider: migrationProvider, ...(migrationTableSchema !== undefined ? { migrationTableSchema } : {}) })
  const { error, results } = await migrator.migrateToLatest()
  if (error !== undefined) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown'
    throw new Error(`database migration ${failed} failed: ${(error as Error).message}`)
  }
}
