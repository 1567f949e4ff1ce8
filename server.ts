import closeWithGrace from 'close-with-grace'
import { buildApp } from './app.js'
import { ConfigError, loadConfig } from './config.js'

async function main (): Promise<void> {
  let config
  try {
    config = loadConfig()
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`hubgate: ${err.message}\n`)
      process.exit(78) // EX_CONFIG
    }
    throw err
  }

  const app = await buildApp(config)

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
  // a setting found wrong while starting (a short server secret, a JWT key that does not suit its algorithms)
  if (err instanceof ConfigError) {
    process.stderr.write(`hubgate: ${err.message}\n`)
    process.exit(78) // EX_CONFIG
  }
  process.stderr.write(`hubgate: failed to start: ${err instanceof Error ? err.message : String(err)}\n`)
  process.exit(1)
})
