import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { cpus } from 'node:os'
import { createInterface } from 'node:readline'

/**
 * CPU pinning (Linux `taskset`, two or more cores): the proxy under test (bare or Hubgate) runs alone on
 * core 1, the load generator and the mock upstream share core 0, so a proxy's CPU use does not slow its own
 * load down and the throughput ratio compares the proxies, not how they compete with the load for one core.
 * Call once, before starting any process; without it (or off Linux) every process shares every core.
 */
export let pinning: { load: string, proxy: string } | undefined

export function pinCores (): void {
  if (process.platform !== 'linux' || cpus().length < 2) return
  try {
    execFileSync('taskset', ['-a', '-p', '-c', '0', String(process.pid)], { stdio: 'ignore' })
    pinning = { load: '0', proxy: '1' }
  } catch {}
}

/** How a proxy is started: Node flags, and a program that runs node (valgrind) with how long start-up may take. */
export interface Launch {
  nodeArgs?: string[]
  /** e.g. ['valgrind', '--tool=callgrind', …]: it runs node in its own process (same pid), unpinned. */
  wrapper?: string[]
  startTimeoutMs?: number
}

/** `node args…`, inside the wrapper if any, else on the given cores when pinning is available. */
function spawnNode (args: string[], cores: 'load' | 'proxy', options: Parameters<typeof spawn>[2], wrapper: string[] = []): ChildProcess {
  if (wrapper.length > 0) return spawn(wrapper[0]!, [...wrapper.slice(1), process.execPath, ...args], options)
  // taskset execs node in place, so the child's pid is node's own (signals and /proc readings reach it)
  return pinning === undefined
    ? spawn(process.execPath, args, options)
    : spawn('taskset', ['-c', pinning[cores], process.execPath, ...args], options)
}

export interface Child {
  process: ChildProcess
  port: number
}

/** Starts `node script` and resolves once it prints "LISTENING <port>". */
export async function startListening (script: string, env: Record<string, string>, cores: 'load' | 'proxy', launch: Launch = {}): Promise<Child> {
  const child = spawnNode([...launch.nodeArgs ?? [], script], cores, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', launch.wrapper === undefined ? 'inherit' : 'ignore'] }, launch.wrapper)
  const lines = createInterface({ input: child.stdout! })
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script} did not start`)), launch.startTimeoutMs ?? 15_000)
    lines.on('line', (line) => {
      const match = /^LISTENING (\d+)$/.exec(line)
      if (match !== null) { clearTimeout(timer); resolve(Number(match[1])) }
    })
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`${script} exited with ${String(code)}`)) })
  })
  return { process: child, port }
}

/** Starts a process that answers `readyUrl` with 200 once it serves. */
export async function startServing (script: string, env: Record<string, string>, readyUrl: string, launch: Launch = {}): Promise<ChildProcess> {
  const child = spawnNode([...launch.nodeArgs ?? [], script], 'proxy', { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', launch.wrapper === undefined ? 'inherit' : 'ignore'] }, launch.wrapper)
  const deadline = Date.now() + (launch.startTimeoutMs ?? 30_000)
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${script} exited with ${child.exitCode}`)
    const ok = await fetch(readyUrl).then((r) => r.ok, () => false)
    if (ok) return child
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  child.kill()
  throw new Error(`${script} did not become ready`)
}

/** Linux: resets the peak-RSS counter of `pid` so the next reading covers one scenario only. */
export function resetPeakRss (pid: number): void {
  try { writeFileSync(`/proc/${pid}/clear_refs`, '5') } catch { /* not Linux, or not permitted: peak covers the whole run */ }
}

/** Peak resident set size of `pid` in MB (VmHWM), or NaN where /proc is unavailable. */
export function peakRssMb (pid: number): number {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return match === null ? Number.NaN : Number(match[1]) / 1024
  } catch {
    return Number.NaN
  }
}

/** CPU nanoseconds `pid` has run so far over all its threads (the scheduler's own count, /proc/<pid>/task/<tid>/schedstat), or NaN off Linux. */
export function cpuNanos (pid: number): number {
  try {
    return readdirSync(`/proc/${pid}/task`).reduce((sum, tid) => {
      try { return sum + Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]) } catch { return sum }
    }, 0)
  } catch {
    return Number.NaN
  }
}

/** CPU seconds (user + system) `pid` has used so far, from /proc (clock ticks of 10 ms), or NaN off Linux. */
export function cpuSeconds (pid: number): number {
  try {
    // fields after the parenthesised command name: state is the 3rd, utime the 14th, stime the 15th
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ')
    return (Number(fields[11]) + Number(fields[12])) / 100
  } catch {
    return Number.NaN
  }
}

export async function stopAll (children: Array<ChildProcess | undefined>): Promise<void> {
  await Promise.all(children.map(async (child) => {
    if (child === undefined || child.exitCode !== null) return
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.kill('SIGTERM')
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5_000))])
    if (child.exitCode === null) child.kill('SIGKILL')
  }))
}
