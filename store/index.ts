import { mkdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import SQLite from 'better-sqlite3'
import pg from 'pg'
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql } from 'kysely'
import type { Database } from './schema.js'
import { migrationProvider } from './migrations/index.js'
import { AccessKeyRepository } from './access-keys.js'
import { AuditRepository } from './audit.js'
import { UsageRepository } from './usage.js'
import { ModelRepository } from './models.js'
import { isPostgresUrl } from '../config.js'

export type Dialect = 'sqlite' | 'postgres'

export interface StoreOptions {
  /** A postgres:// URL, a sqlite file path (optionally `sqlite:` / `file:` prefixed), or undefined for DATA_DIR/hubgate.db. */
  databaseUrl?: string | undefined
  dataDir: string
  /** Postgres schema the tables live in (created if missing). */
  schema?: string
}

export interface Store {
  readonly db: Kysely<Database>
  readonly dialect: Dialect
  readonly accessKeys: AccessKeyRepository
  readonly audit: AuditRepository
  readonly usage: UsageRepository
  readonly models: ModelRepository
  /** Resolves when the database answers a trivial query. */
  ping (): Promise<void>
  close (): Promise<void>
}

export async function openStore (options: StoreOptions): Promise<Store> {
  const { db, dialect } = isPostgresUrl(options.databaseUrl)
    ? await connectPostgres(options.databaseUrl as string, options.schema ?? 'public')
    : connectSqlite(sqlitePath(options))
  try {
    await migrate(db)
  } catch (err) {
    await db.destroy()
    throw err
  }
  return {
    db,
    dialect,
    accessKeys: new AccessKeyRepository(db),
    audit: new AuditRepository(db),
    usage: new UsageRepository(db),
    models: new ModelRepository(db),
    async ping () { await sql`select 1`.execute(db) },
    async close () { await db.destroy() }
  }
}

function sqlitePath ({ databaseUrl, dataDir }: StoreOptions): string {
  if (databaseUrl === undefined) {
    mkdirSync(dataDir, { recursive: true })
    return join(dataDir, 'hubgate.db')
  }
  if (databaseUrl === ':memory:') return databaseUrl
  return resolve(databaseUrl.replace(/^(sqlite|file):(\/\/)?/, ''))
}

function connectSqlite (path: string): { db: Kysely<Database>, dialect: Dialect } {
  const database = new SQLite(path)
  database.pragma('journal_mode = WAL')
  database.pragma('synchronous = NORMAL')
  database.pragma('busy_timeout = 5000')
  database.pragma('foreign_keys = ON')
  return { db: new Kysely<Database>({ dialect: new SqliteDialect({ database }) }), dialect: 'sqlite' }
}

async function connectPostgres (url: string, schema: string): Promise<{ db: Kysely<Database>, dialect: Dialect }> {
  const pool = new pg.Pool({
    connectionString: url,
    max: 10,
    connectionTimeoutMillis: 5_000,
    // every connection works inside the configured schema, so tests and tenants can share one database
    options: `-c search_path=${schema}`
  })
  // a dropped idle connection must not crash the process; the next query reconnects
  pool.on('error', () => {})
  // nor one dropped while checked out: pg emits 'error' on that client with no listener, and the
  // query running on it already fails with the same error (which the caller handles)
  pool.on('connect', (client) => { client.on('error', () => {}) })
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) })
  try {
    await sql`create schema if not exists ${sql.id(schema)}`.execute(db)
  } catch (err) {
    await db.destroy()
    throw err
  }
  return { db, dialect: 'postgres' }
}

/** Kysely's migrator takes a lock (a row lock on Postgres), so replicas starting together migrate once. */
async function migrate (db: Kysely<Database>): Promise<void> {
  const migrator = new Migrator({ db, provider: migrationProvider })
  const { error, results } = await migrator.migrateToLatest()
  if (error !== undefined) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown'
    throw new Error(`database migration ${failed} failed: ${(error as Error).message}`)
  }
}
