import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, tmpdir, totalmem } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import type { ChildProcess } from 'node:child_process'
import { loadSamples, runLoad, summarize, type LoadResult, type LoadSamples } from './load.js'
import { cpuSeconds, peakRssMb, pinCores, pinning, resetPeakRss, startListening, stopAll } from './processes.js'
import { runSoak } from './soak.js'
import { runWorkersBench } from './workers.js'
import { bursts, longStreams, type BurstTarget, type LongStreamResult } from './bursts.js'
import { ADMIN_KEY, MINIMAL_KEY, chatBody as body, issueChatKey, startHubgate, startScriptNodeFlags } from './targets.js'

/**
 * `npm run bench`: the same loads against the mock upstream directly, a bare Fastify+undici proxy and Hubgate
 * (auth, validation, metering on), side by side in one run, then the ratios the targets are stated in.
 */
const here = dirname(fileURLToPath(import.meta.url))
const root = join(here, '..', '..')
// `--instructions`: bench/instructions.ts's own mode (instruction and CPU counts per call), with its own options
const instructionsMode = process.argv.includes('--instructions')
// `--startup`: bench/startup.ts, spawn → /health/ready of the start command (wall and CPU ms)
const startupMode = process.argv.includes('--startup')
const { values: args } = parseArgs({
  strict: !instructionsMode && !startupMode,
  options: {
    duration: { type: 'string', default: '10' },
    soak: { type: 'boolean', default: false },
    'soak-minutes': { type: 'string', default: '10' },
    'cpu-prof': { type: 'boolean', default: false },
    'long-streams': { type: 'string', default: '2000' },
    strict: { type: 'boolean', default: false },
    // WORKERS scaling instead of the proxy comparison (bench/workers.ts)
    workers: { type: 'string' }
  }
})
const durationMs = Number(args.duration) * 1000

/** Each target's share of a scenario is measured in ROUNDS stretches taken in turn with the other targets. */
const ROUNDS = 4
const WARMUP_MS = 500
const JIT_WARMUP_MS = 3_000
/** Every proxy runs with the Node flags of `npm start` (test/e2e/scale/compose.test.ts checks the Dockerfile's CMD has them). */
const NODE_FLAGS = startScriptNodeFlags(root)
type Result = LoadResult & { peakRssMb?: number, cpuUsPerRequest?: number, cpuBusy?: number }
/** Streams started at once (issue #27's bursts), and the long-stream wave's size. */
const BURST_SIZES = [20, 200]
const LONG_STREAMS = Number(args['long-streams'])

/** `rate`: paced at that many requests per second in all (below either proxy's capacity); otherwise as fast as answered. */
interface Scenario { name: string, connections: number, stream: boolean, rate?: number }
const PACED_RATE = 2_000
const scenarios: Scenario[] = [
  { name: 'json c50', connections: 50, stream: false },
  { name: 'json c200', connections: 200, stream: false },
  { name: 'stream c50', connections: 50, stream: true },
  // what a caller waits for at a load the gateway carries with room to spare, rather than queueing at saturation
  { name: 'json c50 @2k', connections: 50, stream: false, rate: PACED_RATE }
]

async function main (): Promise<void> {
  if (args.workers !== undefined) {
    await runWorkersBench({ root, here, workers: Number(args.workers), durationMs, nodeFlags: NODE_FLAGS, adminKey: ADMIN_KEY, body: body(false), issueChatKey })
    return
  }
  // a profiler's sampling thread must not share the profiled process's one core: profiles run unpinned
  if (args['cpu-prof'] !== true) pinCores()
  const dataDir = mkdtempSync(join(tmpdir(), 'hubgate-bench-'))
  const children: Array<ChildProcess | undefined> = []
  try {
    const mock = await startListening(join(here, 'mock-upstream.js'), {}, 'load')
    children.push(mock.process)
    const upstream = `http://127.0.0.1:${mock.port}`
    const bare = await startListening(join(here, 'bare-proxy.js'), { UPSTREAM_URL: upstream }, 'proxy', { nodeArgs: [...NODE_FLAGS, ...cpuProf('bare')] })
    children.push(bare.process)
    const minimal = await startListening(join(here, 'minimal-gateway.js'), { UPSTREAM_URL: upstream, ACCESS_KEY: MINIMAL_KEY }, 'proxy', { nodeArgs: [...NODE_FLAGS, ...cpuProf('minimal')] })
    children.push(minimal.process)
    const { process: hub, origin: hubOrigin, chatKey } = await startHubgate(root, dataDir, upstream, { nodeArgs: [...NODE_FLAGS, ...cpuProf('hubgate')] })
    children.push(hub)

    if (args.soak === true) {
      await runSoak({ origin: hubOrigin, adminKey: ADMIN_KEY, chatKey, body: body(false), minutes: Number(args['soak-minutes']) })
      return
    }

    const targets = {
      direct: { origin: upstream, path: '/v1/chat/completions', headers: {} },
      bare: { origin: `http://127.0.0.1:${bare.port}`, path: '/api/v2/chat/completions', headers: {} },
      minimal: { origin: `http://127.0.0.1:${minimal.port}`, path: '/api/v2/chat/completions', headers: { authorization: `Bearer ${MINIMAL_KEY}` }, jsonOnly: true },
      hubgate: { origin: hubOrigin, path: '/api/v2/chat/completions', headers: { authorization: `Bearer ${chatKey}` } }
    } satisfies Record<string, Target>
    // the process whose CPU each target costs (direct: the mock itself)
    const pids: Record<string, number> = { direct: mock.process.pid!, bare: bare.process.pid!, minimal: minimal.process.pid!, hubgate: hub.pid! }
    // a gateway in production runs warm: each proxy first gets unmeasured load of both kinds, so the JIT has
    // compiled its hot path before the first scenario (otherwise that one pays for compilation alone)
    for (const name of ['bare', 'minimal', 'hubgate'] as const) {
      const target: Target = targets[name]
      for (const stream of target.jsonOnly === true ? [false] : [false, true]) {
        await runLoad({
          origin: target.origin, path: target.path, connections: 50, durationMs: JIT_WARMUP_MS, warmupMs: 0,
          headers: { 'content-type': 'application/json', ...target.headers }, body: body(stream)
        })
      }
    }
    const results: Record<string, Record<string, Result>> = {}
    for (const scenario of scenarios) {
      results[scenario.name] = await interleaved(scenario, targets, pids)
      for (const [name, result] of Object.entries(results[scenario.name]!)) {
        process.stderr.write(`${scenario.name.padEnd(11)} ${name.padEnd(8)} ${result.rps.toFixed(0)} rps\n`)
      }
    }
    // the streaming proxies only: bursts and long streams compare Hubgate with the floor
    const streaming: Record<string, BurstTarget> = {
      bare: { ...targets.bare, pid: pids.bare! },
      hubgate: { ...targets.hubgate, pid: pids.hubgate! }
    }
    const burstResults: Record<string, Record<string, LoadResult>> = {}
    for (const size of BURST_SIZES) burstResults[`burst ${size}`] = await bursts(streaming, size)
    const long = await longStreams(streaming, LONG_STREAMS)
    const verdict = report(results, burstResults, long)
    if (args.strict === true && !verdict) process.exitCode = 1
  } finally {
    await stopAll(children)
    rmSync(dataDir, { recursive: true, force: true })
  }
}

interface Target {
  origin: string
  path: string
  headers: Record<string, string>
  /** Answers JSON only: left out of the streaming scenario. */
  jsonOnly?: boolean
}

/**
 * One scenario: the targets take turns, ROUNDS stretches each (direct, bare, Hubgate, direct, bare, …), so
 * a change in the machine's speed during the run (this VM's drifts by tens of percent over minutes) reaches
 * every target alike instead of skewing the ratios. Each stretch opens its connections during a short unmeasured
 * warm-up; CPU is read from /proc around each stretch, peak RSS over the whole scenario.
 */
async function interleaved (scenario: Scenario, targets: Record<string, Target>, pids: Record<string, number>): Promise<Record<string, Result>> {
  const names = Object.keys(targets).filter((name) => !(scenario.stream && targets[name]!.jsonOnly === true))
  const samples = new Map<string, LoadSamples[]>(names.map((name) => [name, []]))
  const cpu = new Map<string, { seconds: number, wallMs: number }>(names.map((name) => [name, { seconds: 0, wallMs: 0 }]))
  // peak memory of each proxy (the mock's is not of interest)
  for (const name of names) if (name !== 'direct') resetPeakRss(pids[name]!)
  for (let round = 0; round < ROUNDS; round++) {
    for (const name of names) {
      const target = targets[name]!
      const cpuBefore = cpuSeconds(pids[name]!)
      const wallBefore = performance.now()
      samples.get(name)!.push(await loadSamples({
        origin: target.origin, path: target.path, connections: scenario.connections, durationMs: durationMs / ROUNDS, warmupMs: WARMUP_MS, rate: scenario.rate,
        headers: { 'content-type': 'application/json', ...target.headers }, body: body(scenario.stream)
      }))
      const used = cpu.get(name)!
      used.seconds += cpuSeconds(pids[name]!) - cpuBefore
      used.wallMs += performance.now() - wallBefore
    }
  }
  const results: Record<string, Result> = {}
  for (const name of names) {
    const result: Result = summarize(samples.get(name)!)
    const used = cpu.get(name)!
    // the load ran for warm-ups + measured time; requests over that span are estimated from the measured rate
    result.cpuUsPerRequest = used.seconds * 1e6 / (result.rps * used.wallMs / 1000)
    result.cpuBusy = used.seconds * 1000 / used.wallMs
    if (name !== 'direct') result.peakRssMb = peakRssMb(pids[name]!)
    results[name] = result
  }
  return results
}

/** --cpu-prof flags writing `<name>.cpuprofile` into bench/results/ when asked for. */
function cpuProf (name: string): string[] {
  return args['cpu-prof'] === true ? ['--cpu-prof', `--cpu-prof-dir=${join(root, 'bench', 'results')}`, `--cpu-prof-name=${name}.cpuprofile`] : []
}

/** Hubgate's time to first byte over the bare proxy's in the bursts, p50 and p99. */
function burstComparisons (burstResults: Record<string, Record<string, LoadResult>>): Record<'burst20TtfbP50OverBare' | 'burst20TtfbP99OverBare' | 'burst200TtfbP50OverBare' | 'burst200TtfbP99OverBare', number> {
  const over = (size: number, p: 'ttfbP50' | 'ttfbP99'): number => burstResults[`burst ${size}`]!.hubgate![p] - burstResults[`burst ${size}`]!.bare![p]
  return {
    burst20TtfbP50OverBare: over(20, 'ttfbP50'),
    burst20TtfbP99OverBare: over(20, 'ttfbP99'),
    burst200TtfbP50OverBare: over(200, 'ttfbP50'),
    burst200TtfbP99OverBare: over(200, 'ttfbP99')
  }
}

function fmt (n: number | undefined, digits = 2): string {
  return n === undefined || Number.isNaN(n) ? '-' : n.toFixed(digits)
}

/** Prints the table and the target checks; writes bench/results/latest.json. Returns whether every target held. */
function report (results: Record<string, Record<string, Result>>, burstResults: Record<string, Record<string, LoadResult>>, long: Record<string, LongStreamResult>): boolean {
  const rows = ['scenario     target    rps       p50 ms  p99 ms  ttfb50  ttfb99  errors  CPU µs/req  CPU busy  peakRSS MB']
  for (const [scenario, byTarget] of Object.entries(results)) {
    for (const [target, r] of Object.entries(byTarget)) {
      rows.push(`${scenario.padEnd(12)} ${target.padEnd(9)} ${fmt(r.rps, 0).padEnd(9)} ${fmt(r.p50).padEnd(7)} ${fmt(r.p99).padEnd(7)} ${fmt(r.ttfbP50).padEnd(7)} ${fmt(r.ttfbP99).padEnd(7)} ${String(r.errors).padEnd(7)} ${fmt(r.cpuUsPerRequest, 0).padEnd(11)} ${fmt(r.cpuBusy).padEnd(9)} ${fmt(r.peakRssMb, 1)}`)
    }
  }
  rows.push('', 'bursts (streams started at once) and long streams:')
  for (const [scenario, byTarget] of Object.entries(burstResults)) {
    for (const [target, r] of Object.entries(byTarget)) {
      rows.push(`${scenario.padEnd(12)} ${target.padEnd(9)} ttfb50 ${fmt(r.ttfbP50)} ms  ttfb99 ${fmt(r.ttfbP99)} ms  errors ${r.errors}`)
    }
  }
  for (const [target, r] of Object.entries(long)) {
    rows.push(`${`long ${LONG_STREAMS}`.padEnd(12)} ${target.padEnd(9)} intact ${r.intact}/${LONG_STREAMS}  p50 ${fmt(r.p50, 0)} ms  CPU ${fmt(r.cpuMsPerStream)} ms/stream  peakRSS ${fmt(r.peakRssMb, 1)} MB`)
  }
  const j50 = results['json c50']!
  const j200 = results['json c200']!
  const s50 = results['stream c50']!
  const paced = results['json c50 @2k']!
  const comparisons = {
    throughputRatioC50: j50.hubgate!.rps / j50.bare!.rps,
    throughputRatioC200: j200.hubgate!.rps / j200.bare!.rps,
    addedP50MsOverBareC50: j50.hubgate!.p50 - j50.bare!.p50,
    addedP50MsOverDirectC50: j50.hubgate!.p50 - j50.direct!.p50,
    addedP50MsOverBarePaced: paced.hubgate!.p50 - paced.bare!.p50,
    streamTtfbOverheadMs: s50.hubgate!.ttfbP50 - s50.bare!.ttfbP50,
    streamFullTimeOverheadMs: s50.hubgate!.p50 - s50.bare!.p50,
    peakRssMbC50: j50.hubgate!.peakRssMb ?? Number.NaN,
    barePeakRssMbC50: j50.bare!.peakRssMb ?? Number.NaN,
    // what the proxy itself costs, whichever core limits the throughput of a scenario
    cpuPerCallRatioC50: j50.hubgate!.cpuUsPerRequest! / j50.bare!.cpuUsPerRequest!,
    cpuPerCallRatioC200: j200.hubgate!.cpuUsPerRequest! / j200.bare!.cpuUsPerRequest!,
    // the floor for any gateway that authenticates, validates and meters (bench/minimal-gateway.ts), and Hubgate above it
    minimalThroughputRatioC50: j50.minimal!.rps / j50.bare!.rps,
    minimalThroughputRatioC200: j200.minimal!.rps / j200.bare!.rps,
    minimalCpuPerCallRatioC200: j200.minimal!.cpuUsPerRequest! / j200.bare!.cpuUsPerRequest!,
    minimalPeakRssMbC50: j50.minimal!.peakRssMb ?? Number.NaN,
    throughputOverMinimalC50: j50.hubgate!.rps / j50.minimal!.rps,
    throughputOverMinimalC200: j200.hubgate!.rps / j200.minimal!.rps,
    cpuPerCallOverMinimalC200: j200.hubgate!.cpuUsPerRequest! / j200.minimal!.cpuUsPerRequest!,
    cpuPerStreamRatioC50: s50.hubgate!.cpuUsPerRequest! / s50.bare!.cpuUsPerRequest!,
    ...burstComparisons(burstResults),
    longStreamsIntact: long.hubgate!.intact,
    longStreamsIntactBare: long.bare!.intact,
    longStreamCpuRatio: long.hubgate!.cpuMsPerStream / long.bare!.cpuMsPerStream,
    longStreamPeakRssMb: long.hubgate!.peakRssMb,
    longStreamBarePeakRssMb: long.bare!.peakRssMb
  }
  const targets = [
    { name: 'throughput ≥ 0.9 × bare proxy (c50)', ok: comparisons.throughputRatioC50 >= 0.9, value: fmt(comparisons.throughputRatioC50) },
    { name: 'throughput ≥ 0.9 × bare proxy (c200)', ok: comparisons.throughputRatioC200 >= 0.9, value: fmt(comparisons.throughputRatioC200) },
    { name: 'added p50 over bare proxy < 1 ms (c50)', ok: comparisons.addedP50MsOverBareC50 < 1, value: fmt(comparisons.addedP50MsOverBareC50) + ' ms' },
    { name: 'stream TTFB overhead < 2 ms (c50)', ok: comparisons.streamTtfbOverheadMs < 2, value: fmt(comparisons.streamTtfbOverheadMs) + ' ms' },
    { name: 'peak RSS < 120 MB (c50)', ok: comparisons.peakRssMbC50 < 120, value: fmt(comparisons.peakRssMbC50, 1) + ' MB' },
    // issue #27's
    { name: 'CPU per JSON call ≤ 1.4 × bare proxy (c200)', ok: comparisons.cpuPerCallRatioC200 <= 1.4, value: fmt(comparisons.cpuPerCallRatioC200) },
    { name: 'CPU per stream ≤ 1.4 × bare proxy (c50)', ok: comparisons.cpuPerStreamRatioC50 <= 1.4, value: fmt(comparisons.cpuPerStreamRatioC50) },
    { name: '20 streams at once: TTFB p50 within 2 ms of the bare proxy', ok: comparisons.burst20TtfbP50OverBare < 2, value: fmt(comparisons.burst20TtfbP50OverBare) + ' ms' },
    { name: '20 streams at once: TTFB p99 within 5 ms of the bare proxy', ok: comparisons.burst20TtfbP99OverBare < 5, value: fmt(comparisons.burst20TtfbP99OverBare) + ' ms' },
    { name: `${LONG_STREAMS} concurrent 5 s streams all intact`, ok: comparisons.longStreamsIntact === LONG_STREAMS, value: `${comparisons.longStreamsIntact}/${LONG_STREAMS}` }
  ]
  rows.push('', 'targets:')
  for (const t of targets) rows.push(`  ${t.ok ? 'PASS' : 'MISS'}  ${t.name}: ${t.value}`)
  rows.push(`  info  added p50 over bare proxy at ${PACED_RATE} rps paced (c50, below saturation): ${fmt(comparisons.addedP50MsOverBarePaced)} ms`)
  rows.push(`  info  CPU per call, Hubgate / bare proxy: ${fmt(comparisons.cpuPerCallRatioC50)} (c50), ${fmt(comparisons.cpuPerCallRatioC200)} (c200)`)
  rows.push(`  info  bursts, TTFB over the bare proxy's: 200 at once p50 +${fmt(comparisons.burst200TtfbP50OverBare)} ms, p99 +${fmt(comparisons.burst200TtfbP99OverBare)} ms`)
  rows.push(`  info  long streams: CPU per stream ${fmt(comparisons.longStreamCpuRatio)} × the bare proxy's; peak RSS ${fmt(comparisons.longStreamPeakRssMb, 1)} MB (bare proxy ${fmt(comparisons.longStreamBarePeakRssMb, 1)} MB)`)
  rows.push(`  info  peak RSS over the bare proxy's (c50): ${fmt(comparisons.peakRssMbC50 - comparisons.barePeakRssMbC50, 1)} MB`)
  rows.push(`  info  minimal gateway (auth + validation + SQLite metering only) / bare proxy: throughput ${fmt(comparisons.minimalThroughputRatioC50)} (c50), ${fmt(comparisons.minimalThroughputRatioC200)} (c200); CPU per call ${fmt(comparisons.minimalCpuPerCallRatioC200)} (c200); its peak RSS ${fmt(comparisons.minimalPeakRssMbC50, 1)} MB (c50)`)
  rows.push(`  info  Hubgate / minimal gateway: throughput ${fmt(comparisons.throughputOverMinimalC50)} (c50), ${fmt(comparisons.throughputOverMinimalC200)} (c200); CPU per call ${fmt(comparisons.cpuPerCallOverMinimalC200)} (c200)`)
  rows.push('', pinning === undefined ? 'cores: not pinned (every process shares every core)' : `cores: proxy under test on core ${pinning.proxy}; load generator and mock upstream on core ${pinning.load}`)
  process.stdout.write(rows.join('\n') + '\n')
  const machine = { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', memoryGb: Math.round(totalmem() / 2 ** 30), node: process.version, pinning: pinning ?? 'none' }
  mkdirSync(join(root, 'bench', 'results'), { recursive: true })
  writeFileSync(join(root, 'bench', 'results', 'latest.json'), JSON.stringify({
    at: new Date().toISOString(), durationSeconds: durationMs / 1000, machine, results, bursts: burstResults, longStreams: long, comparisons, targets
  }, null, 2) + '\n')
  return targets.every((t) => t.ok)
}

if (instructionsMode) await import('./instructions.js')
else if (startupMode) await import('./startup.js')
else main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`)
  process.exit(1)
})
