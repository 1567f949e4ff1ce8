import { runLoad } from './load.js'

export interface SoakOptions {
  origin: string
  adminKey: string
  chatKey: string
  body: string
  minutes: number
}

async function heapUsedMb (origin: string, adminKey: string): Promise<number> {
  const text = await (await fetch(`${origin}/metrics`, { headers: { authorization: `Bearer ${adminKey}` } })).text()
  const match = /^hubgate_process_nodejs_heap_size_used_bytes (\d+(?:\.\d+)?)/m.exec(text)
  return match === null ? Number.NaN : Number(match[1]) / 2 ** 20
}

/**
 * Soak: steady load at 50 connections for `minutes`, sampling Hubgate's heap every 30 s.
 * A flat heap means the last third of the samples is not above the first third beyond noise.
 */
export async function runSoak (options: SoakOptions): Promise<void> {
  const samples: Array<{ minute: number, heapMb: number, rps: number }> = []
  const sliceMs = 30_000
  const slices = Math.max(3, Math.round((options.minutes * 60_000) / sliceMs))
  for (let i = 0; i < slices; i++) {
    const load = await runLoad({
      origin: options.origin, path: '/api/v2/chat/completions', connections: 50, durationMs: sliceMs, warmupMs: 0,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${options.chatKey}` }, body: options.body
    })
    const heapMb = await heapUsedMb(options.origin, options.adminKey)
    samples.push({ minute: ((i + 1) * sliceMs) / 60_000, heapMb, rps: load.rps })
    process.stdout.write(`soak ${((i + 1) * sliceMs / 60_000).toFixed(1)} min  heap ${heapMb.toFixed(1)} MB  ${load.rps.toFixed(0)} rps  errors ${load.errors}\n`)
  }
  const third = Math.max(1, Math.floor(samples.length / 3))
  const avg = (xs: typeof samples): number => xs.reduce((s, x) => s + x.heapMb, 0) / xs.length
  const first = avg(samples.slice(0, third))
  const last = avg(samples.slice(-third))
  const growth = last - first
  process.stdout.write(`heap: first third ${first.toFixed(1)} MB, last third ${last.toFixed(1)} MB, growth ${growth.toFixed(1)} MB -> ${growth < 10 ? 'FLAT' : 'GROWING'}\n`)
}
