import { dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import closeWithGrace from 'close-with-grace'
import { buildApp } from './app.js'
import { staleBuildMessage, staleBuildProblem } from './build-freshness.js'
import { ConfigError, loadConfig } from './config.js'
import { logStream } from '#http/log-format.js'

async function main (): Promise<void> {
  // run from dist/ in a checkout: refuse to serve code older than its sources (npm start no longer rebuilds)
  const stale = staleBuildProblem(dirname(fileURLToPath(import.meta.url)))
  if (stale !== undefined) {
    process.stderr.write(`${staleBuildMessage(stale)}\n`)
    process.exit(1)
  }

  const config = loadConfig()

  const stream = await logStream(config.LOG_FORMAT, process.stdout.isTTY === true)
  const app = await buildApp(config, {}, stream === undefined ? {} : { logger: { stream } })

  // the drain has its own deadline; close-with-grace's delay is only the last-resort backstop
  closeWithGrace({ delay: config.SHUTDOWN_GRACE_MS + 5_000 }, async ({ signal, err }) => {
    if (err) app.log.error({ err }, 'shutting down after an error')
    else app.log.info({ signal }, 'shutting down: draining in-flight requests')
    await app.drain(config.SHUTDOWN_GRACE_MS)
    app.log.info('shutdown complete')
  })

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
