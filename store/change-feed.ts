import type SQLite from 'better-sqlite3'
import type pg from 'pg'
import { sql, type Kysely } from 'kysely'
import type { Database } from './schema.js'

/**
 * Tells a process that access keys may have been changed elsewhere (the CLI, another replica), so
 * key lookups it cached are stale. `version()` is cheap enough to call on every request.
 */
export interface ChangeFeed {
  /** Moves whenever another process may have changed keys; compare with the value seen when caching. */
  version (): number
  /** Announces a key change made through `db` (inside the writing transaction), where the dialect needs it. */
  announce?: (db: Kysely<Database>) => Promise<void>
  close (): Promise<void>
}

/** How stale a SQLite change may be when a request checks for one: a key revoked by the CLI is refused within it. */
export const SQLITE_CHANGE_CHECK_MS = 50

/**
 * SQLite counts commits by other connections in `PRAGMA data_version`; our own writes leave it alone.
 * Reading it costs tens of microseconds (WAL index), so it is read at most every SQLITE_CHANGE_CHECK_MS
 * rather than on every request. Once the database is closed the last value stays, so cached keys keep
 * working through an outage.
 */
export function sqliteChangeFeed (database: SQLite.Database): ChangeFeed {
  const dataVersion = database.prepare('PRAGMA data_version').pluck()
  let last = 0
  let checkedAt = Number.NEGATIVE_INFINITY
  return {
    version () {
      const now = performance.now()
      if (now - checkedAt < SQLITE_CHANGE_CHECK_MS) return last
      checkedAt = now
      try {
        last = dataVersion.get() as number
      } catch {}
      return last
    },
    async close () {}
  }
}

const CHANNEL = 'hubgate_access_keys'
const RECONNECT_MS = 1_000
/** How often the listening connection proves it is alive, and how long its answer may take. */
const LISTENER_HEARTBEAT_MS = 5_000
const HEARTBEAT_TIMEOUT_MS = 3_000

/**
 * Postgres replicas announce key changes with NOTIFY (delivered at commit) and LISTEN on a connection
 * of their own. While that connection is down nothing is heard, so regaining it counts as a change;
 * meanwhile cached keys stay as fresh as KEY_CACHE_TTL_MS allows (the database is usually down too,
 * and cached keys are what keeps the gateway serving then). A network that drops without a reset would
 * leave the connection silently deaf (revocations by other replicas unheard for hours, until TCP gives
 * up), so it must answer a heartbeat every LISTENER_HEARTBEAT_MS or it is replaced.
 */
export async function postgresChangeFeed (connectionString: string, schema: string): Promise<ChangeFeed> {
  const { default: { Client } } = await import('pg')
  let version = 0
  let closed = false
  let listener: pg.Client | undefined
  let retry: NodeJS.Timeout | undefined

  const reconnectLater = (): void => {
    if (closed || retry !== undefined) return
    retry = setTimeout(() => { retry = undefined; void listen().catch(reconnectLater) }, RECONNECT_MS)
    retry.unref()
  }
  const listen = async (): Promise<void> => {
    const client = new Client({ connectionString, connectionTimeoutMillis: 5_000, query_timeout: HEARTBEAT_TIMEOUT_MS, keepAlive: true })
    client.on('error', () => {}) // 'end' follows and reconnects
    client.on('notification', (message) => { if (message.payload === schema) version++ })
    client.on('end', () => {
      if (listener !== client) return
      listener = undefined
      reconnectLater()
    })
    try {
      await client.connect()
      await client.query(`LISTEN ${CHANNEL}`)
    } catch (err) {
      await client.end().catch(() => {})
      throw err
    }
    if (closed) return await client.end()
    listener = client
    version++
  }

  await listen()
  const heartbeat = setInterval(() => {
    const client = listener
    client?.query('select 1').catch(() => { if (listener === client) dropConnection(client) })
  }, LISTENER_HEARTBEAT_MS)
  heartbeat.unref()
  return {
    version: () => version,
    async announce (db) { await sql`select pg_notify(${CHANNEL}, ${schema})`.execute(db) },
    async close () {
      closed = true
      clearTimeout(retry)
      clearInterval(heartbeat)
      const client = listener
      listener = undefined
      if (client === undefined) return
      // a dead network never acknowledges the goodbye: give it a moment, then just close the socket
      const giveUp = setTimeout(() => { dropConnection(client) }, HEARTBEAT_TIMEOUT_MS)
      await client.end().catch(() => {})
      clearTimeout(giveUp)
    }
  }
}

/** Closes a client's socket at once: `end()` waits for the server's goodbye, which a dead network never sends. 'end' follows. */
function dropConnection (client: pg.Client): void {
  (client as unknown as { connection: { stream: { destroy: () => void } } }).connection.stream.destroy()
}
