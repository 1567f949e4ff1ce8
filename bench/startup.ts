import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

/**
 * `npm run bench -- --startup`: how long the embedded default (SQLite in DATA_DIR) takes from spawning the start
 * command to answering /health/ready 200, as wall-clock AND as CPU time of the whole process tree (npm, its shell,
 * node) up to that moment. CPU time is what compares across runs on a loaded machine; wall-clock needs an idle one.
 * Each command starts on a fresh DATA_DIR (first start: migrations, bootstrap key) and again on the one it left.
 */
const here = dirname(fileURLToPath(import.meta.url))
const root = join(here, '..', '..')
const { values: args } = parseArgs({
  strict: false,
  // --command 'node dist/server.js': measure that instead of `npm start` and the start script's node command
  options: { runs: { type: 'string', default: '5' }, command: { type: 'string' } }
})
const RUNS = Number(args.runs)
const TICKS_PER_SECOND = 100 // USER_HZ of /proc/<pid>/stat on Linux

interface Sample { wallMs: number, cpuMs: number }

/** utime+stime of each live process, and cutime+cstime (its reaped children: npm's shell), keyed by pid with parents. */
function processTable (): Map<number, { ppid: number, ticks: number }> {
  const table = new Map<number, { ppid: number, ticks: number }>()
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      // fields after the parenthesised command name: ppid is the 2nd, utime..cstime the 12th..15th
      const fields = readFileSync(`/proc/${entry}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ')
      const ticks = [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i]), 0)
      table.set(Number(entry), { ppid: Number(fields[1]), ticks })
    } catch { /* exited meanwhile */ }
  }
  return table
}

/** CPU milliseconds used so far by `pid` and every descendant (those still running and those already reaped). */
function treeCpuMs (pid: number): number {
  const table = processTable()
  const inTree = new Set([pid])
  let grew = true
  while (grew) {
    grew = false
    for (const [child, { ppid }] of table) {
      if (!inTree.has(child) && inTree.has(ppid)) { inTree.add(child); grew = true }
    }
  }
  let ticks = 0
  for (const member of inTree) ticks += table.get(member)?.ticks ?? 0
  return ticks * 1000 / TICKS_PER_SECOND
}

/** Signals the child's whole process group: npm does not pass SIGTERM on to the node it runs. */
async function stop (child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((resolve) => child.once('exit', resolve))
  process.kill(-child.pid!, 'SIGTERM')
  await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))])
  if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, 'SIGKILL')
}

/** One start of `command` on `dataDir`: spawn → /health/ready 200, polled every 5 ms. */
async function startOnce (command: string[], dataDir: string): Promise<Sample> {
  const port = 20_000 + Math.floor(Math.random() * 20_000)
  const started = process.hrtime.bigint()
  const child = spawn(command[0]!, command.slice(1), {
    cwd: root,
    env: { ...process.env, DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', SERVER_SECRET: 'bench-startup-secret-0123456789abcdef', LOG_FORMAT: 'json', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
    detached: true // its own process group, stopped as one
  })
  try {
    const deadline = Date.now() + 30_000
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`${command.join(' ')} exited with ${child.exitCode}`)
      const ok = await fetch(`http://127.0.0.1:${port}/health/ready`).then((r) => r.ok, () => false)
      if (ok) return { wallMs: Number(process.hrtime.bigint() - started) / 1e6, cpuMs: treeCpuMs(child.pid!) }
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
    throw new Error(`${command.join(' ')} did not become ready within 30 s`)
  } finally {
    await stop(child)
  }
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!
const range = (values: number[]): string => `${Math.min(...values).toFixed(0)}–${Math.max(...values).toFixed(0)}`

async function main (): Promise<void> {
  // the first fetch loads undici: do that before any clock runs
  await fetch('http://127.0.0.1:1/').catch(() => undefined)
  const startScript = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start
  const commands: Record<string, string[]> = typeof args.command === 'string'
    ? { [args.command]: args.command.trim().split(/\s+/) }
    : { 'npm start': ['npm', 'start', '--silent'], [startScript]: startScript.trim().split(/\s+/) }
  const rows = ['command                                   DATA_DIR  wall ms median (range)   CPU ms median (range)']
  for (const [name, command] of Object.entries(commands)) {
    const fresh: Sample[] = []
    const existing: Sample[] = []
    for (let run = 0; run < RUNS; run++) {
      const dataDir = mkdtempSync(join(tmpdir(), 'hubgate-startup-'))
      try {
        fresh.push(await startOnce(command, dataDir))
        existing.push(await startOnce(command, dataDir))
      } finally {
        rmSync(dataDir, { recursive: true, force: true })
      }
    }
    for (const [kind, samples] of [['fresh', fresh], ['existing', existing]] as const) {
      const wall = samples.map((s) => s.wallMs)
      const cpu = samples.map((s) => s.cpuMs)
      rows.push(`${name.padEnd(41)} ${kind.padEnd(9)} ${`${median(wall).toFixed(0)} (${range(wall)})`.padEnd(24)} ${median(cpu).toFixed(0)} (${range(cpu)})`)
    }
  }
  process.stdout.write(`start-up, ${RUNS} runs each (CPU: the whole process tree up to the first 200 of /health/ready)\n${rows.join('\n')}\n`)
}

main().catch((err: unknown) => {
  process.stderr.write(`startup bench failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`)
  process.exit(1)
})
