import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { availableParallelism, tmpdir } from 'node:os'
import { join } from 'node:path'
import { runLoad, type LoadResult } from './load.js'
import { cpuSeconds, startListening, startServing, stopAll } from './processes.js'

export interface WorkersBenchOptions {
  root: string
  here: string
  workers: number
  durationMs: number
  nodeFlags: string[]
  adminKey: string
  body: string
  issueChatKey: (origin: string) => Promise<string>
}

/** Paced rates (requests per second over all connections), then one unpaced run: what each WORKERS count carries. */
const PACED = [1_000, 2_000, 3_000]
const CONNECTIONS = 50

/** CPU seconds of `pid` and every process below it (a cluster's primary and its workers), from /proc. */
function treeCpuSeconds (pid: number): number {
  let children: number[] = []
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter((s) => s !== '').map(Number)
  } catch {}
  return cpuSeconds(pid) + children.reduce((sum, child) => sum + treeCpuSeconds(child), 0)
}

type Row = LoadResult & { workers: number, rate: number | 'max', cpuUsPerRequest: number }

/**
 * `npm run bench -- --workers N`: the same JSON load against Hubgate with WORKERS=1 and WORKERS=N, unpinned (every
 * process may use every core: the workers are the point). Paced runs show CPU per call and latency at a load both
 * carry; the unpaced run shows the ceiling, which on a small machine is shared with the load generator and the mock.
 */
export async function runWorkersBench (options: WorkersBenchOptions): Promise<void> {
  const mock = await startListening(join(options.here, 'mock-upstream.js'), {}, 'load')
  const rows: Row[] = []
  try {
    for (const workers of [1, options.workers]) {
      const dataDir = mkdtempSync(join(tmpdir(), 'hubgate-bench-workers-'))
      const port = 20_000 + Math.floor(Math.random() * 20_000)
      const origin = `http://127.0.0.1:${port}`
      const hub = await startServing(join(options.root, 'dist', 'server.js'), {
        PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, ADMIN_KEY: options.adminKey, LOG_LEVEL: 'warn', WORKERS: String(workers),
        OPENAI_API_KEY: 'sk-bench', OPENAI_BASE_URL: `http://127.0.0.1:${mock.port}/v1`, MAX_EVENT_LOOP_DELAY_MS: '0'
      }, `${origin}/health/ready`, { nodeArgs: options.nodeFlags, startTimeoutMs: 180_000 })
      try {
        const key = await options.issueChatKey(origin)
        const load = { origin, path: '/api/v2/chat/completions', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: options.body, connections: CONNECTIONS }
        await runLoad({ ...load, durationMs: 3_000, warmupMs: 0 })
        for (const rate of [...PACED, undefined]) {
          const before = treeCpuSeconds(hub.pid!)
          const result = await runLoad({ ...load, durationMs: options.durationMs, warmupMs: 500, rate })
          const seconds = treeCpuSeconds(hub.pid!) - before
          rows.push({ ...result, workers, rate: rate ?? 'max', cpuUsPerRequest: seconds * 1e6 / (result.rps * (options.durationMs + 500) / 1000) })
          process.stderr.write(`WORKERS=${workers} ${String(rate ?? 'max').padEnd(5)} ${result.rps.toFixed(0)} rps\n`)
        }
      } finally {
        await stopAll([hub])
        rmSync(dataDir, { recursive: true, force: true })
      }
    }
  } finally {
    await stopAll([mock.process])
  }
  const lines = [`WORKERS scaling (${availableParallelism()} cores, unpinned; JSON chat, ${CONNECTIONS} connections)`, 'workers  rate   rps     p50 ms  p99 ms  errors  CPU µs/call']
  for (const r of rows) {
    lines.push(`${String(r.workers).padEnd(8)} ${String(r.rate).padEnd(6)} ${r.rps.toFixed(0).padEnd(7)} ${r.p50.toFixed(2).padEnd(7)} ${r.p99.toFixed(2).padEnd(7)} ${String(r.errors).padEnd(7)} ${r.cpuUsPerRequest.toFixed(0)}`)
  }
  process.stdout.write(lines.join('\n') + '\n')
  mkdirSync(join(options.root, 'bench', 'results'), { recursive: true })
  writeFileSync(join(options.root, 'bench', 'results', 'workers.json'), JSON.stringify({ at: new Date().toISOString(), cores: availableParallelism(), rows }, null, 2) + '\n')
}
