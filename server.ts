import { dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import cluster from 'node:cluster'
import closeWithGrace from 'close-with-grace'
import { pino } from 'pino'
import { buildApp } from './app.js'
import { staleBuildMessage, staleBuildProblem } from './build-freshness.js'
import { ConfigError, loadConfig, workerCount } from './config.js'
import { logStream } from '#http/log-format.js'
import { clusterLink } from '#metering/cluster/link.js'
import { runPrimary } from '#metering/cluster/primary.js'

async function main (): Promise<void> {
  // run from dist/ in a checkout: refuse to serve code older than its sources (npm start no longer rebuilds)
  const stale = staleBuildProblem(dirname(fileURLToPath(import.meta.url)))
  if (stale !== undefined) {
    process.stderr.write(`${staleBuildMessage(stale)}\n`)
    process.exit(1)
  }

  const config = loadConfig()

  const stream = await logStream(config.LOG_FORMAT, process.stdout.isTTY === true)
  const workers = workerCount(config)
  if (workers > 1 && cluster.isPrimary) {
    // WORKERS: this process only forks and supervises; each worker runs the rest of main() (metering/cluster/primary.ts)
    const log = pino({ level: config.LOG_LEVEL, base: { pid: process.pid, role: 'primary' } }, stream ?? process.stdout)
    await runPrimary({ workers, dataDir: config.DATA_DIR, dataDirLockWaitMs: config.DATA_DIR_LOCK_WAIT_MS, drainBackstopMs: config.SHUTDOWN_GRACE_MS + 10_000, log })
    return
  }
  const app = await buildApp(config, {}, stream === undefined ? {} : { logger: { stream } })

  // the drain has its own deadline; close-with-grace's delay is only the last-resort backstop. A worker drains once,
  // whether its primary asks (SIGTERM to the cluster) or a signal reaches it too (Ctrl-C signals the whole group)
  let draining: Promise<void> | undefined
  const link = clusterLink()
  // close-with-grace exits at a second signal; a worker takes repeated ones (its primary's drain, the group's) calmly
  const workerSignals = link === undefined ? [] : ['SIGINT', 'SIGTERM'] as const
  const graceful = closeWithGrace({ delay: config.SHUTDOWN_GRACE_MS + 5_000, skip: [...workerSignals] }, async ({ signal, err }) => {
    if (err) app.log.error({ err }, 'shutting down after an error')
    else app.log.info({ signal }, 'shutting down: draining in-flight requests')
    draining ??= app.drain(config.SHUTDOWN_GRACE_MS).then(() => { app.log.info('shutdown complete') })
    await draining
  })
  link?.onDrain(() => { void graceful.close() })
  for (const signal of workerSignals) process.on(signal, () => { void graceful.close() })

  await app.listen({ host: config.HOST, port: config.PORT })
}

main().catch((err: unknown) => {
  // a setting found wrong while starting (a bad variable, a short server secret, a JWT key that does not suit its algorithms)
  if (err instanceof ConfigError) {
    process.stderr.write(`hubgate: ${err.message}\n`)
    process.exit(78) // EX_CONFIG
  }
  process.stderr.write(`hubgate: failed to start: ${err instanceof Error ? err.message : String(err)}\n`)
  process.exit(1)
})
