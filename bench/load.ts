import { performance } from 'node:perf_hooks'
import { Pool } from 'undici'

export interface LoadOptions {
  origin: string
  path: string
  headers: Record<string, string>
  body: string
  connections: number
  durationMs: number
  warmupMs: number
  /** Paced load: requests per second over all connections (each sends on its own schedule); undefined: as fast as answers come. */
  rate?: number | undefined
}

export interface LoadResult {
  requests: number
  errors: number
  rps: number
  /** Milliseconds, full answer received. */
  p50: number
  p99: number
  /** Milliseconds to the first body byte. */
  ttfbP50: number
  ttfbP99: number
}

function percentile (sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number
}

/** What one stretch of load measured: raw samples, so several stretches can be summarized together. */
export interface LoadSamples {
  latencies: number[]
  ttfbs: number[]
  errors: number
  /** Milliseconds the samples were taken over (the warm-up not included). */
  measuredMs: number
}

/**
 * Closed-loop load with sub-millisecond timing: `connections` workers each send one request at a time,
 * reading every answer to its end (streams included). Bounded by `durationMs`; the warm-up is not counted.
 * With `rate`, each worker sends at most every `connections / rate` seconds (staggered), so a proxy with spare
 * capacity is measured below saturation: its latency then is its own, not queueing behind a busy core.
 */
export async function loadSamples (options: LoadOptions): Promise<LoadSamples> {
  const pool = new Pool(options.origin, { connections: options.connections, pipelining: 1, keepAliveTimeout: 60_000 })
  const latencies: number[] = []
  const ttfbs: number[] = []
  let errors = 0
  const measureFrom = performance.now() + options.warmupMs
  const stopAt = measureFrom + options.durationMs

  const intervalMs = options.rate === undefined ? 0 : options.connections * 1000 / options.rate
  const worker = async (index: number): Promise<void> => {
    let due = performance.now() + intervalMs * index / options.connections
    while (performance.now() < stopAt) {
      if (intervalMs > 0) {
        const wait = due - performance.now()
        // behind schedule (a slow answer): send now and keep the schedule, without bunching up to catch up
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait))
        due = Math.max(due + intervalMs, performance.now())
      }
      const timed = await timedCall(pool, options)
      if (timed === undefined) {
        if (performance.now() >= measureFrom) errors++
        continue
      }
      // counted by when it ended: completions per second over the window is the throughput, unbiased by
      // the requests cut off at either edge (a 100 ms stream would otherwise be lost at both)
      if (timed.end >= measureFrom && timed.end <= stopAt) {
        latencies.push(timed.end - timed.start)
        ttfbs.push(timed.first - timed.start)
      }
    }
  }
  await Promise.all(Array.from({ length: options.connections }, async (_, index) => { await worker(index) }))
  await pool.close()
  return { latencies, ttfbs, errors, measuredMs: options.durationMs }
}

type Call = Pick<LoadOptions, 'path' | 'headers' | 'body'> & {
  /** Whether the whole answer arrived as sent (e.g. a stream's last event); one that did not counts as an error. */
  intact?: (answer: string) => boolean
}

/** One request read to its end: when it started, its first body byte came and it ended; undefined if it failed. */
async function timedCall (pool: Pool, call: Call): Promise<{ start: number, first: number, end: number } | undefined> {
  const start = performance.now()
  let first = 0
  let answer = ''
  try {
    const res = await pool.request({ path: call.path, method: 'POST', headers: call.headers, body: call.body })
    for await (const chunk of res.body) {
      if (first === 0 && (chunk as Buffer).length > 0) first = performance.now()
      if (call.intact !== undefined) answer += (chunk as Buffer).toString()
    }
    if (res.statusCode !== 200) throw new Error(`status ${res.statusCode}`)
    if (call.intact?.(answer) === false) throw new Error('answer cut short')
  } catch {
    return undefined
  }
  const end = performance.now()
  return { start, first: first || end, end }
}

/**
 * Exactly `calls` requests over `connections` connections (each sends one at a time), timed like loadSamples:
 * a fixed amount of work for an instruction count, or, with calls = connections, a burst started at once.
 * `measuredMs` is the wall time they took.
 */
export async function fixedCalls (options: Call & { origin: string, connections: number, calls: number }, pool?: Pool): Promise<LoadSamples> {
  const own = pool ?? new Pool(options.origin, { connections: options.connections, pipelining: 1, keepAliveTimeout: 60_000 })
  const latencies: number[] = []
  const ttfbs: number[] = []
  let errors = 0
  let left = options.calls
  const began = performance.now()
  const worker = async (): Promise<void> => {
    while (left > 0) {
      left--
      const timed = await timedCall(own, options)
      if (timed === undefined) { errors++; continue }
      latencies.push(timed.end - timed.start)
      ttfbs.push(timed.first - timed.start)
    }
  }
  await Promise.all(Array.from({ length: Math.min(options.connections, options.calls) }, worker))
  const measuredMs = performance.now() - began
  if (pool === undefined) await own.close()
  return { latencies, ttfbs, errors, measuredMs }
}

/** Rates and percentiles over every stretch of samples together. */
export function summarize (parts: LoadSamples[]): LoadResult {
  const latencies = parts.flatMap((p) => p.latencies).sort((a, b) => a - b)
  const ttfbs = parts.flatMap((p) => p.ttfbs).sort((a, b) => a - b)
  const measuredMs = parts.reduce((sum, p) => sum + p.measuredMs, 0)
  return {
    requests: latencies.length,
    errors: parts.reduce((sum, p) => sum + p.errors, 0),
    rps: latencies.length / (measuredMs / 1000),
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    ttfbP50: percentile(ttfbs, 50),
    ttfbP99: percentile(ttfbs, 99)
  }
}

/** One stretch of load, summarized. */
export async function runLoad (options: LoadOptions): Promise<LoadResult> {
  return summarize([await loadSamples(options)])
}
