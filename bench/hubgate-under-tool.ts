import { join } from 'node:path'
import { pathToFileURL } from 'node:url'

/**
 * Hubgate as `dist/server.js` starts it, for a run under a tool that slows it tens of times (valgrind): built from
 * HUBGATE_ROOT's dist/ with no plugin start-up deadline, which such a run would miss. Serves until SIGTERM.
 */
interface AppModule { buildApp: (config: unknown, options: object, overrides: object) => Promise<{ listen: (o: object) => Promise<string>, close: () => Promise<void> }> }
const dist = join(process.env.HUBGATE_ROOT ?? '.', 'dist')
const { loadConfig } = await import(pathToFileURL(join(dist, 'config.js')).href) as { loadConfig: () => { HOST: string, PORT: number } }
const { buildApp } = await import(pathToFileURL(join(dist, 'app.js')).href) as AppModule
const config = loadConfig()
const app = await buildApp(config, {}, { pluginTimeout: 0 })
await app.listen({ host: config.HOST, port: config.PORT })
process.once('SIGTERM', () => { void app.close().then(() => process.exit(0)) })
