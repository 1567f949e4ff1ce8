import { AsyncLocalStorage } from 'node:async_hooks'

/** What a query in longRunningQueries() may take: a rollup of one busy day's raw rows can take minutes. */
const LONG_RUNNING_QUERY_TIMEOUT_MS = 15 * 60_000
const longRunning = new AsyncLocalStorage<boolean>()

/**
 * Runs `work` (background maintenance) with LONG_RUNNING_QUERY_TIMEOUT_MS for its queries instead of the request
 * path's DATABASE_QUERY_TIMEOUT_MS, which is there to notice a silent network, not to cut honest slow work short.
 */
export async function longRunningQueries<T> (work: () => Promise<T>): Promise<T> {
  return await longRunning.run(true, work)
}

/** The timeout for a query started now: the request path's, or LONG_RUNNING_QUERY_TIMEOUT_MS inside longRunningQueries(). */
export function queryTimeoutFor (requestPathTimeoutMs: number | undefined): number | undefined {
  return longRunning.getStore() === true ? LONG_RUNNING_QUERY_TIMEOUT_MS : requestPathTimeoutMs
}
