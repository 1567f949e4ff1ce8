import type { Kysely } from 'kysely'
import type { ChangeFeed } from './change-feed.js'
import type { Database } from './schema.js'
import type { DirectUsageInsert } from './usage.js'

/** An open database, whichever the dialect: what openStore() builds the repositories on. */
export interface Connection {
  db: Kysely<Database>
  /**
   * The same database for background maintenance (usage rollups and purges): its queries may run for minutes where
   * the request path's time out (DATABASE_QUERY_TIMEOUT_MS). Closed with `db`.
   */
  maintenanceDb: Kysely<Database>
  dialect: 'sqlite' | 'postgres'
  /** Runs `work` while no other process migrates the same database. */
  exclusively: (work: () => Promise<void>) => Promise<void>
  changes: ChangeFeed
  /** Called once the store is open and migrated, before it serves requests. */
  serve: () => void
  /** A faster way to write usage batches, where the dialect has one. */
  usageInsert?: DirectUsageInsert
}
