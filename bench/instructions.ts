import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import type { ChildProcess } from 'node:child_process'
import { fixedCalls } from './load.js'
import { cpuNanos, startListening, stopAll, type Launch } from './processes.js'
import { chatBody, MINIMAL_KEY, startHubgate, startScriptNodeFlags } from './targets.js'

/**
 * `npm run bench -- --instructions`: the cost of a fixed number of calls, counted two ways for the bare proxy and
 * Hubgate: CPU time per call from the scheduler (all threads), and instructions per call under callgrind, which
 * do not depend on what else the machine runs. Callgrind counts only the measured calls (instrumentation is
 * switched on after the warm-up, `callgrind_control`). `--root DIR` measures the Hubgate built in another
 * checkout (a git worktree of an older commit) with this driver, so two builds compare like for like.
 *
 * `--targets` may add `minimal` (bench/minimal-gateway.ts: auth, validation and a SQLite usage row the plainest way),
 * measured on JSON calls only (it does not stream).
 *
 * Each count is also given without V8's optimizing compilers (`irWithoutJitPerCall`): code still tiering up is
 * compiled once, on a background thread, and after a warm-up of thousands of calls that one-time cost was still half of
 * the measured instructions, for the bare proxy too, so it swamps what a call costs once the process is warm. And
 * without the garbage collector as well (`irMutatorPerCall`): a major collection is a lump of 200-300 M instructions
 * that a window of a few hundred calls holds or not, so the mutator's count is the one two builds compare on; the
 * collector's share per call is the difference, meaningful only over windows long enough to hold several.
 */
const here = dirname(fileURLToPath(import.meta.url))
const benchRoot = join(here, '..', '..')
const { values: args } = parseArgs({
  options: {
    instructions: { type: 'boolean', default: true },
    root: { type: 'string', default: benchRoot },
    calls: { type: 'string', default: '2000' },
    'stream-calls': { type: 'string', default: '200' },
    warmup: { type: 'string', default: '3000' },
    connections: { type: 'string', default: '50' },
    targets: { type: 'string', default: 'bare,hubgate' },
    callgrind: { type: 'boolean', default: true },
    cpu: { type: 'boolean', default: true },
    'cpu-prof': { type: 'string' },
    out: { type: 'string' },
    repeat: { type: 'string', default: '1' }
  },
  allowNegative: true
})
const root = resolve(args.root)
const CALLS = Number(args.calls)
const STREAM_CALLS = Number(args['stream-calls'])
const WARMUP = Number(args.warmup)
const CONNECTIONS = Number(args.connections)
const REPEAT = Math.max(1, Number(args.repeat))
const NODE_FLAGS = startScriptNodeFlags(root)

interface Kind { name: 'json' | 'stream', calls: number }
const kinds: Kind[] = [{ name: 'json', calls: CALLS }, { name: 'stream', calls: STREAM_CALLS }]
/** Per kind of call measured (the minimal gateway has no stream). */
type PerKind = Partial<Record<Kind['name'], number>>
export interface InstructionResult {
  cpuUsPerCall?: PerKind
  irPerCall?: PerKind
  irWithoutJitPerCall?: PerKind
  irMutatorPerCall?: PerKind
  /** With --repeat N: each count's mutator instructions per call (the fields above are then medians). */
  irMutatorCounts?: PerKind[]
}

/** Functions of V8's compilers (TurboFan and Turboshaft, Maglev, Sparkplug): code being optimized, not code running. */
const JIT_FUNCTION = /v8::internal::(compiler|maglev|baseline)::/
/** Functions of V8's garbage collector (scavenges, concurrent marking, sweeping, evacuation, the heap's bookkeeping). */
const GC_FUNCTION = /Scaveng|Marking|MarkCompact|Sweeper|Evacuat|heap::base::|cppgc::|v8::internal::Heap::|MemoryChunk/

interface Running { process: ChildProcess, origin: string, path: string, headers: Record<string, string>, jsonOnly?: boolean }

async function start (target: string, upstream: string, dataDir: string, launch: Launch): Promise<Running> {
  if (target === 'bare') {
    const bare = await startListening(join(here, 'bare-proxy.js'), { UPSTREAM_URL: upstream, HOST: '127.0.0.1' }, 'proxy', launch)
    return { process: bare.process, origin: `http://127.0.0.1:${bare.port}`, path: '/api/v2/chat/completions', headers: {} }
  }
  if (target === 'minimal') {
    const minimal = await startListening(join(here, 'minimal-gateway.js'), { UPSTREAM_URL: upstream, HOST: '127.0.0.1', ACCESS_KEY: MINIMAL_KEY, DATA_DIR: dataDir }, 'proxy', launch)
    return { process: minimal.process, origin: `http://127.0.0.1:${minimal.port}`, path: '/api/v2/chat/completions', headers: { authorization: `Bearer ${MINIMAL_KEY}` }, jsonOnly: true }
  }
  const hub = await startHubgate(root, dataDir, upstream, launch)
  return { process: hub.process, origin: hub.origin, path: '/api/v2/chat/completions', headers: { authorization: `Bearer ${hub.chatKey}` } }
}

async function calls (target: Running, stream: boolean, count: number): Promise<void> {
  const done = await fixedCalls({
    origin: target.origin, path: target.path, connections: CONNECTIONS, calls: count,
    headers: { 'content-type': 'application/json', ...target.headers }, body: chatBody(stream)
  })
  // a call lost now and then under valgrind's slowness is noted, not fatal: the count is per call answered
  if (done.errors > count / 10) throw new Error(`${done.errors} of ${count} calls failed`)
  if (done.errors > 0) process.stderr.write(`${done.errors} of ${count} calls failed\n`)
}

/**
 * Warms every kind up, then measures each: `around` runs before and after the measured calls and gives the costs
 * (one or more measures), which come back per call.
 */
async function measure<M extends string> (target: Running, around: { before: () => void, after: () => Record<M, number> }): Promise<Record<M, PerKind>> {
  const measured = target.jsonOnly === true ? kinds.filter((kind) => kind.name === 'json') : kinds
  for (const kind of measured) await calls(target, kind.name === 'stream', kind.name === 'stream' ? Math.ceil(WARMUP / 10) : WARMUP)
  const perMeasure: Partial<Record<M, PerKind>> = {}
  for (const kind of measured) {
    around.before()
    await calls(target, kind.name === 'stream', kind.calls)
    for (const [name, cost] of Object.entries(around.after()) as Array<[M, number]>) (perMeasure[name] ??= {})[kind.name] = cost / kind.calls
  }
  return perMeasure as Record<M, PerKind>
}

async function cpuPerCall (target: string, upstream: string, dataDir: string): Promise<PerKind> {
  // --cpu-prof DIR: the CPU run also writes a V8 profile of each target there (warm-up included)
  const profile = args['cpu-prof'] === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${resolve(args['cpu-prof'])}`, `--cpu-prof-name=${target}.cpuprofile`]
  const running = await start(target, upstream, dataDir, { nodeArgs: [...NODE_FLAGS, ...profile], startTimeoutMs: 180_000 })
  try {
    let before = 0
    const pid = running.process.pid!
    return (await measure(running, { before: () => { before = cpuNanos(pid) }, after: () => ({ cpuUs: (cpuNanos(pid) - before) / 1000 }) })).cpuUs
  } finally {
    await stopAll([running.process])
  }
}

async function instructionsPerCall (target: string, upstream: string, dataDir: string, outDir: string, count: number): Promise<Record<'all' | 'withoutJit' | 'mutator', PerKind>> {
  // one file name per count: a new process numbers its dumps from 1 again
  const outFile = join(outDir, `${target}-${count}.callgrind`)
  const wrapper = ['valgrind', '--tool=callgrind', '--instr-atstart=no', `--callgrind-out-file=${outFile}`]
  const running = await start(target, upstream, dataDir, { nodeArgs: NODE_FLAGS, wrapper, startTimeoutMs: 3_600_000 })
  const pid = String(running.process.pid!)
  // valgrind names its control pipes after $HOST, which both targets are started with: callgrind_control must see the same
  const control = (...flags: string[]): string => execFileSync('callgrind_control', [...flags, pid], { encoding: 'utf8', env: { ...process.env, HOST: '127.0.0.1' } })
  try {
    return await measure(running, {
      before: () => { control('--instr=on'); control('--zero') },
      after: () => {
        const answer = control('--dump')
        control('--instr=off')
        const dump = newestDump(outDir, `${target}-${count}.callgrind.`, answer)
        const { jit, gc } = runtimeInstructions(dump.file)
        return { all: dump.total, withoutJit: dump.total - jit, mutator: dump.total - jit - gc }
      }
    })
  } finally {
    await stopAll([running.process])
  }
}

/** The newest callgrind dump (files `<prefix>1`, `<prefix>2`, …) and its instruction total. */
function newestDump (dir: string, prefix: string, controlAnswer: string): { file: string, total: number } {
  const newest = readdirSync(dir).filter((f) => f.startsWith(prefix)).sort((a, b) => Number(b.slice(prefix.length)) - Number(a.slice(prefix.length)))[0]
  const match = newest === undefined ? null : /^totals: (\d+)/m.exec(readFileSync(join(dir, newest), 'utf8'))
  if (newest === undefined || match === null) throw new Error(`no callgrind totals in ${dir} (${readdirSync(dir).join(', ')}); callgrind_control said: ${controlAnswer}`)
  return { file: join(dir, newest), total: Number(match[1]) }
}

/** Instructions a dump counts in V8's compilers and in its collector: each function's own cost, from callgrind_annotate's list. */
function runtimeInstructions (file: string): { jit: number, gc: number } {
  const listing = execFileSync('callgrind_annotate', ['--inclusive=no', '--threshold=100', '--auto=no', file], { encoding: 'utf8', maxBuffer: 1 << 28 })
  const sums = { jit: 0, gc: 0 }
  for (const line of listing.split('\n')) {
    const row = /^\s*([\d,]+) \(\s*[\d.]+%\)\s+(\S.*)$/.exec(line)
    if (row === null) continue
    const cost = Number(row[1]!.replaceAll(',', ''))
    if (JIT_FUNCTION.test(row[2]!)) sums.jit += cost
    else if (GC_FUNCTION.test(row[2]!)) sums.gc += cost
  }
  return sums
}

async function main (): Promise<void> {
  const workDir = mkdtempSync(join(tmpdir(), 'hubgate-instructions-'))
  const mock = await startListening(join(here, 'mock-upstream.js'), {}, 'load')
  const upstream = `http://127.0.0.1:${mock.port}`
  const results: Record<string, InstructionResult> = {}
  try {
    for (const target of args.targets.split(',')) {
      const result: InstructionResult = {}
      const dataDir = (name: string): string => { const dir = join(workDir, `${target}-${name}`); mkdirSync(dir); return dir }
      if (args.cpu === true) result.cpuUsPerCall = await cpuPerCall(target, upstream, dataDir('cpu'))
      process.stderr.write(`${target} CPU µs per call: ${JSON.stringify(result.cpuUsPerCall)}\n`)
      if (args.callgrind === true) {
        // --repeat N: N processes counted one after another (a count moves by a few % between processes of one build)
        const counts: Array<Record<'all' | 'withoutJit' | 'mutator', PerKind>> = []
        for (let count = 1; count <= REPEAT; count++) counts.push(await instructionsPerCall(target, upstream, dataDir(`ir-${count}`), workDir, count))
        result.irPerCall = median(counts.map((c) => c.all))
        result.irWithoutJitPerCall = median(counts.map((c) => c.withoutJit))
        result.irMutatorPerCall = median(counts.map((c) => c.mutator))
        if (REPEAT > 1) result.irMutatorCounts = counts.map((c) => c.mutator)
      }
      results[target] = result
      process.stderr.write(`${target}: ${JSON.stringify(result)}\n`)
    }
  } finally {
    await stopAll([mock.process])
    rmSync(workDir, { recursive: true, force: true })
  }
  const report = { at: new Date().toISOString(), root, repeat: REPEAT, calls: CALLS, streamCalls: STREAM_CALLS, warmup: WARMUP, connections: CONNECTIONS, results, ratios: ratios(results) }
  process.stdout.write(JSON.stringify(report, null, 2) + '\n')
  if (args.out !== undefined) writeFileSync(args.out, JSON.stringify(report, null, 2) + '\n')
}

/** Per kind, the median of the counts (the mean of the middle two for an even number). */
function median (counts: PerKind[]): PerKind {
  const out: PerKind = {}
  for (const kind of kinds) {
    const values = counts.map((c) => c[kind.name]).filter((v): v is number => v !== undefined).sort((a, b) => a - b)
    if (values.length === 0) continue
    const middle = values.length >> 1
    out[kind.name] = values.length % 2 === 1 ? values[middle]! : (values[middle - 1]! + values[middle]!) / 2
  }
  return out
}

/** Hubgate / bare proxy and minimal gateway / bare proxy (`minimal.` keys), per kind and measure. */
function ratios (results: Record<string, InstructionResult>): Record<string, number> {
  const out: Record<string, number> = {}
  const bare = results.bare
  if (bare === undefined) return out
  for (const [target, prefix] of [['hubgate', ''], ['minimal', 'minimal.']] as const) {
    const over = results[target]
    if (over === undefined) continue
    for (const measure of ['cpuUsPerCall', 'irPerCall', 'irWithoutJitPerCall', 'irMutatorPerCall'] as const) {
      for (const kind of kinds) {
        const h = over[measure]?.[kind.name]
        const b = bare[measure]?.[kind.name]
        if (h !== undefined && b !== undefined) out[`${prefix}${measure}.${kind.name}`] = h / b
      }
    }
  }
  return out
}

main().catch((err: unknown) => {
  process.stderr.write(`instructions failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`)
  process.exit(1)
})
