import pg from 'pg'
import type { PostgresPool, PostgresPoolClient } from 'kysely'
import { StoreUnavailableError } from '#errors.js'

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN'])

/**
 * Whether a failed query means the database could not be reached, as opposed to an answer it gave (a constraint, a
 * syntax error). The server's own answers carry a SQLSTATE: class 08 is a connection exception, 57P01–57P03 a
 * server shutting down, crashed or still starting. Everything else is the socket: a network error code, or pg's
 * "Connection terminated…" / "…is not queryable" for a connection lost under it.
 */
export function isConnectionFailure (err: unknown): boolean {
  if (err instanceof pg.DatabaseError) return /^(08...|57P0[123])$/.test(err.code ?? '')
  const code = (err as { code?: unknown } | null)?.code
  if (typeof code === 'string' && NETWORK_CODES.has(code)) return true
  // "Query read timeout": pg's query_timeout, a server that stopped answering (a network dropped without a reset)
  return err instanceof Error && /^Connection terminated|is not queryable|^Query read timeout/.test(err.message)
}

export interface ReportingPool {
  /** The pool for request-path queries: each waits `queryTimeoutMs` at most. */
  pool: PostgresPool
  /**
   * The same connections for background maintenance (rollups, purges), whose queries may take `maintenanceTimeoutMs`.
   * Ending it does nothing: `pool` owns the connections.
   */
  maintenancePool: PostgresPool
  /** From now on a lost database is reported as StoreUnavailableError (before: the driver's error, for the start log). */
  serve: () => void
}

/**
 * pg's pool as Kysely sees it, reporting a database it cannot reach as StoreUnavailableError (the error handler's
 * 503 for every route; the driver's error is kept as `cause` for the log) instead of a driver error that would be a
 * 500. Until `serve()` errors pass unchanged, so a gateway that cannot open its store at start says why.
 */
export function reportingUnreachable (pool: pg.Pool, queryTimeoutMs: number | undefined, maintenanceTimeoutMs: number): ReportingPool {
  let serving = false
  // a view of the pool whose queries time out after `timeout`: one view per timeout, not an async context to look it
  // up in per query (an AsyncLocalStorage, once used, slows every promise of the process in Node 20)
  const view = (timeout: number | undefined, end: () => Promise<void>): PostgresPool => {
    // one wrapper per pg client: Kysely keys its connection objects by client
    const wrappers = new WeakMap<pg.PoolClient, PostgresPoolClient>()
    const wrap = (client: pg.PoolClient): PostgresPoolClient => {
      let wrapper = wrappers.get(client)
      if (wrapper === undefined) {
        // a connection that lost its server goes back to the pool as broken, so the pool closes it instead of handing
        // it to the next query (a timed-out query is still pending on it: anything after would queue behind it)
        let lost: Error | undefined
        const query = async (text: string, parameters: readonly unknown[]): Promise<pg.QueryResult> => {
          try {
            // a silent network leaves a query waiting forever: it fails after the timeout (pg's query_timeout)
            return await client.query({ text, values: parameters as unknown[], query_timeout: timeout } as pg.QueryConfig)
          } catch (err) {
            if (!isConnectionFailure(err)) throw err
            lost = err as Error
            throw serving ? new StoreUnavailableError({ cause: err }) : err
          }
        }
        // the cursor overload is for streamed queries, which this dialect is not configured for
        wrapper = { query: query as unknown as PostgresPoolClient['query'], release: () => { client.release(lost) } }
        wrappers.set(client, wrapper)
      }
      return wrapper
    }
    return {
      async connect () {
        try {
          return wrap(await pool.connect())
        } catch (err) {
          // no connection at all (refused, timed out, rejected by the server): whatever the reason, the store is unreachable
          throw serving ? new StoreUnavailableError({ cause: err }) : err
        }
      },
      end
    }
  }
  return {
    pool: view(queryTimeoutMs, async () => { await pool.end() }),
    maintenancePool: view(maintenanceTimeoutMs, async () => {}),
    serve: () => { serving = true }
  }
}
