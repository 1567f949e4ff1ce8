import { Pool } from 'undici'
import { fixedCalls, summarize, type LoadResult, type LoadSamples } from './load.js'
import { cpuSeconds, peakRssMb, resetPeakRss } from './processes.js'
import { chatBody } from './targets.js'

/** A proxy to load: where it listens and which process pays for it. */
export interface BurstTarget { origin: string, path: string, headers: Record<string, string>, pid: number }

const BURSTS = 10
const PAUSE_MS = 200

/**
 * `size` streams started at once, BURSTS times per target (targets take turns, burst by burst, so a drift in the
 * machine's speed reaches both alike), after one unmeasured burst that opens the connections: the time to first
 * byte then is what a call costs the gateway before its first upstream byte (auth, validation, admission, credential
 * choice, request build) plus the upstream's own, queued behind the calls started with it.
 */
export async function bursts (targets: Record<string, BurstTarget>, size: number): Promise<Record<string, LoadResult>> {
  const names = Object.keys(targets)
  const pools = new Map(names.map((name) => [name, new Pool(targets[name]!.origin, { connections: size, pipelining: 1, keepAliveTimeout: 60_000 })]))
  const samples = new Map<string, LoadSamples[]>(names.map((name) => [name, []]))
  try {
    for (let round = 0; round <= BURSTS; round++) {
      for (const name of names) {
        const target = targets[name]!
        const burst = await fixedCalls({
          origin: target.origin, path: target.path, connections: size, calls: size,
          headers: { 'content-type': 'application/json', ...target.headers }, body: chatBody(true)
        }, pools.get(name))
        if (round > 0) samples.get(name)!.push(burst)
        await new Promise((resolve) => setTimeout(resolve, PAUSE_MS))
      }
    }
  } finally {
    await Promise.all([...pools.values()].map(async (pool) => { await pool.close() }))
  }
  return Object.fromEntries(names.map((name) => [name, summarize(samples.get(name)!)]))
}

export type LongStreamResult = LoadResult & { intact: number, cpuMsPerStream: number, peakRssMb: number }

/**
 * `count` concurrent streams of 5 seconds each (bench/mock-upstream.ts), one wave per target: how many arrived
 * whole (every chunk and the closing `[DONE]`), the CPU each stream cost the proxy, and its peak RSS meanwhile.
 */
export async function longStreams (targets: Record<string, BurstTarget>, count: number): Promise<Record<string, LongStreamResult>> {
  const results: Record<string, LongStreamResult> = {}
  for (const [name, target] of Object.entries(targets)) {
    resetPeakRss(target.pid)
    const cpuBefore = cpuSeconds(target.pid)
    const wave = await fixedCalls({
      origin: target.origin, path: target.path, connections: count, calls: count,
      headers: { 'content-type': 'application/json', ...target.headers }, body: chatBody(true, true),
      intact: (answer) => answer.endsWith('data: [DONE]\n\n')
    })
    const summary = summarize([wave])
    results[name] = {
      ...summary,
      intact: wave.latencies.length,
      cpuMsPerStream: (cpuSeconds(target.pid) - cpuBefore) * 1000 / count,
      peakRssMb: peakRssMb(target.pid)
    }
  }
  return results
}
