import { writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { build } from 'esbuild'
import { test } from 'tap'
import type { Agent as UndiciAgent, buildConnector as undiciBuildConnector } from 'undici'
import { REQUIRE_BANNER, undiciParts } from '../../cli/bundle-plugins.js'
import { tempDir } from '../helpers/build.js'

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..')

/** `entry` bundled as the start-up bundle bundles undici (cli/bundle.ts), written to a temp folder. */
async function bundle (t: Parameters<typeof tempDir>[0], entry: string): Promise<string> {
  const dir = tempDir(t)
  writeFileSync(join(dir, 'entry.js'), entry)
  await build({
    entryPoints: [join(dir, 'entry.js')],
    outfile: join(dir, 'out.mjs'),
    bundle: true,
    format: 'esm',
    platform: 'node',
    banner: { js: REQUIRE_BANNER },
    plugins: [undiciParts(root)],
    logLevel: 'silent'
  })
  return join(dir, 'out.mjs')
}

test('the bundle\'s undici parts: an Agent on a built connector makes requests as undici\'s own does', async (t) => {
  const out = await bundle(t, "export { Agent, buildConnector } from 'undici'\n")
  const { Agent, buildConnector } = await import(pathToFileURL(out).href) as { Agent: typeof UndiciAgent, buildConnector: typeof undiciBuildConnector }
  const server = createServer((req, res) => { res.end(`pong ${req.method ?? ''} ${req.url ?? ''}`) })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => server.close())
  const agent = new Agent({ connect: buildConnector({}) })
  t.teardown(async () => { await agent.close() })

  // request() and stream() are not Agent's own: undici's index puts them on every dispatcher (upstream/http.ts uses them)
  const res = await agent.request({ origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, path: '/ping', method: 'GET' })
  t.same([res.statusCode, await res.body.text()], [200, 'pong GET /ping'])
  t.type(agent.stream, 'function')
})

test('a name the bundle does not take from undici fails the build instead of being undefined at run time', async (t) => {
  await t.rejects(bundle(t, "export { fetch } from 'undici'\n"), /No matching export in "undici-parts:undici-parts" for import "fetch"/)
})
