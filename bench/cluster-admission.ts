import cluster, { type Worker } from 'node:cluster'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import SQLite from 'better-sqlite3'
import { ClusterCounters } from '#metering/cluster/counters.js'
import { ClusterLink } from '#metering/cluster/link.js'
import { ClusterBudgetLedger } from '#metering/ledger/cluster.js'
import { MemoryBudgetLedger, type BudgetLedger } from '#metering/ledger/memory.js'
import { serveCounters } from '#metering/cluster/primary.js'

/**
 * `node dist-bench/bench/cluster-admission.js [--workers 2] [--ops 20000] [--in-flight 32]`: what an exact credit budget shared by
 * cluster workers costs per call, by the two designs issue #27 names, all workers on one hot key:
 *  - ipc: the primary holds the account (metering/cluster/counters.ts); a reserve is a round trip, a settle one message;
 *  - sqlite: every worker runs `BEGIN IMMEDIATE` transactions on one shared account row (WAL, busy timeout);
 *  - memory: the single-process ledger, for reference.
 * CPU is what every process involved spent (process.cpuUsage), so it is steady on a shared machine where wall time is not.
 */
const { values: args } = parseArgs({ options: { workers: { type: 'string', default: '2' }, ops: { type: 'string', default: '20000' }, 'in-flight': { type: 'string', default: '32' } } })
const WORKERS = Number(args.workers)
const OPS = Number(args.ops)
const IN_FLIGHT = Number(args['in-flight'])
const ESTIMATE = 0.001
const LIMIT = 1e12

type Mode = 'ipc' | 'sqlite' | 'memory'
interface Report { cpuUs: number, wallMs: number, ops: number }

/** A budget over one SQLite row, every check-and-reserve and settle one immediate transaction. */
function sqliteLedger (path: string): BudgetLedger {
  const db = new SQLite(path)
  db.pragma('busy_timeout = 5000')
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = NORMAL')
  db.exec('create table if not exists accounts (account text primary key, spent real not null, reserved real not null)')
  db.prepare('insert or ignore into accounts values (?, 0, 0)').run('hot')
  const read = db.prepare('select spent, reserved from accounts where account = ?')
  const reserve = db.prepare('update accounts set reserved = reserved + ? where account = ?')
  const settle = db.prepare('update accounts set reserved = reserved - ?, spent = spent + ? where account = ?')
  const tryReserve = db.transaction((account: string, limit: number, estimate: number): number | undefined => {
    const row = read.get(account) as { spent: number, reserved: number }
    const remaining = limit - row.spent - row.reserved
    if (estimate > remaining) return remaining
    reserve.run(estimate, account)
    return undefined
  })
  const trySettle = db.transaction((account: string, estimate: number, actual: number) => { settle.run(estimate, actual, account) })
  return {
    async reserve ({ limit, estimate }) {
      const refused = tryReserve.immediate('hot', limit, estimate)
      if (refused !== undefined) return { refused: true, remaining: refused }
      return { settle: async (actual) => { trySettle.immediate('hot', estimate, actual) } }
    },
    async used () { const row = read.get('hot') as { spent: number, reserved: number }; return row.spent + row.reserved }
  }
}

async function admitAll (ledger: BudgetLedger): Promise<Report> {
  const cpu = process.cpuUsage()
  const started = performance.now()
  for (let done = 0; done < OPS; done += IN_FLIGHT) {
    await Promise.all(Array.from({ length: Math.min(IN_FLIGHT, OPS - done) }, async () => {
      const reservation = await ledger.reserve({ keyId: 'hot', periodStart: 'p', limit: LIMIT, estimate: ESTIMATE })
      if ('refused' in reservation) throw new Error('refused')
      await reservation.settle(ESTIMATE / 2)
    }))
  }
  const used = process.cpuUsage(cpu)
  return { cpuUs: used.user + used.system, wallMs: performance.now() - started, ops: OPS }
}

async function runWorker (): Promise<void> {
  const mode = process.env.BENCH_MODE as Mode
  const ledger = mode === 'ipc'
    ? new ClusterBudgetLedger(new ClusterLink(Number(process.env.BENCH_SLOT)), async () => 0)
    : mode === 'sqlite' ? sqliteLedger(process.env.BENCH_DB as string) : new MemoryBudgetLedger(async () => 0)
  process.send?.({ bench: await admitAll(ledger) }, undefined, {}, () => { process.exit(0) })
}

/** Runs `mode` in WORKERS workers at once; answers CPU µs per admission (reserve + settle) over every process, and wall ms. */
async function phase (mode: Mode, dbPath: string): Promise<{ cpuUsPerCall: number, primaryUsPerCall: number, wallMs: number }> {
  const counters = new ClusterCounters()
  const primaryCpu = process.cpuUsage()
  const reports = await Promise.all(Array.from({ length: WORKERS }, async (_, index) => await new Promise<Report>((resolve) => {
    const worker: Worker = cluster.fork({ BENCH_MODE: mode, BENCH_SLOT: String(index + 1), BENCH_DB: dbPath })
    serveCounters(worker, counters, { request: () => {}, cast: () => {} })
    worker.on('message', (message: { bench?: Report }) => { if (message.bench !== undefined) resolve(message.bench) })
  })))
  const primary = process.cpuUsage(primaryCpu)
  // the primary serves only the ipc mode; in the others it just waits
  const primaryUs = mode === 'ipc' ? primary.user + primary.system : 0
  const cpuUs = reports.reduce((sum, r) => sum + r.cpuUs, 0) + primaryUs
  const ops = reports.reduce((sum, r) => sum + r.ops, 0)
  return { cpuUsPerCall: cpuUs / ops, primaryUsPerCall: primaryUs / ops, wallMs: Math.max(...reports.map((r) => r.wallMs)) }
}

async function main (): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'hubgate-admission-'))
  try {
    const rows = [`budget admission (reserve + settle), ${WORKERS} workers × ${OPS} calls on one key, ${IN_FLIGHT} in flight each`, 'mode     CPU µs/call (all processes)  of which the primary  wall ms']
    for (const mode of ['memory', 'ipc', 'sqlite'] as const) {
      const result = await phase(mode, join(dir, 'budget.db'))
      rows.push(`${mode.padEnd(8)} ${result.cpuUsPerCall.toFixed(1).padEnd(28)} ${result.primaryUsPerCall.toFixed(1).padEnd(20)} ${result.wallMs.toFixed(0)}`)
    }
    process.stdout.write(rows.join('\n') + '\n')
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

if (cluster.isPrimary) {
  main().catch((err: unknown) => { process.stderr.write(`${String(err)}\n`); process.exit(1) })
} else {
  runWorker().catch((err: unknown) => { process.stderr.write(`${String(err)}\n`); process.exit(1) })
}
