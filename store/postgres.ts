import pg from 'pg'
import { Kysely, PostgresDialect, sql } from 'kysely'
import type { Database } from './schema.js'
import type { Connection } from './connection.js'
import { postgresChangeFeed } from './change-feed.js'
import { reportingUnreachable } from './unreachable.js'

/** What a background maintenance query may take: a rollup of one busy day's raw rows can take minutes. */
const MAINTENANCE_QUERY_TIMEOUT_MS = 15 * 60_000

/** Postgres behind a pool. This module is loaded only for a postgres:// DATABASE_URL: an embedded gateway does not carry pg (~3 MB of heap). */
export async function connectPostgres (url: string, schema: string, queryTimeoutMs: number | undefined): Promise<Connection> {
  const pool = new pg.Pool({
    connectionString: url,
    max: 10,
    connectionTimeoutMillis: 5_000,
    // TCP keepalive finds dead idle connections; queries get their timeouts in store/unreachable.ts
    keepAlive: true,
    // every connection works inside the configured schema, so tests and tenants can share one database
    options: `-c search_path=${schema}`
  })
  // a dropped idle connection must not crash the process; the next query reconnects
  pool.on('error', () => {})
  // nor one dropped while checked out: pg emits 'error' on that client with no listener, and the
  // query running on it already fails with the same error (which the caller handles)
  pool.on('connect', (client) => { client.on('error', () => {}) })
  const reporting = reportingUnreachable(pool, queryTimeoutMs, MAINTENANCE_QUERY_TIMEOUT_MS)
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: reporting.pool }) })
  // the same connections, with the timeout of honest slow work instead of the request path's (see reportingUnreachable)
  const maintenanceDb = new Kysely<Database>({ dialect: new PostgresDialect({ pool: reporting.maintenancePool }) })
  let changes
  try {
    await createSchema(db, schema)
    changes = await postgresChangeFeed(url, schema)
  } catch (err) {
    await db.destroy()
    throw err
  }
  // Kysely's migrator locks a row on Postgres, so replicas starting together migrate once
  return { db, maintenanceDb, dialect: 'postgres', exclusively: async (work) => { await work() }, changes, serve: reporting.serve }
}

/** `create schema if not exists` is not safe against a replica doing the same at once; losing that race is fine. */
async function createSchema (db: Kysely<Database>, schema: string): Promise<void> {
  try {
    await sql`create schema if not exists ${sql.id(schema)}`.execute(db)
  } catch (err) {
    const exists = await sql`select 1 from information_schema.schemata where schema_name = ${schema}`.execute(db)
    if (exists.rows.length === 0) throw err
  }
}
