import { createRequire } from 'node:module'
import { test } from 'tap'
import { build } from '../helpers/build.js'
import { eventually } from '../helpers/wait.js'

/* The price list's package (~800 KB of code) is not loaded by a start, but soon after the gateway listens. */

const require = createRequire(import.meta.url)
const loaded = (): boolean => Object.keys(require.cache).some((path) => path.includes('@pydantic/genai-prices'))

test('a start leaves the price package unloaded; it loads just after the gateway listens, before any call', async (t) => {
  const app = await build(t, { BUILTIN_PRICES: 'true' })
  t.notOk(loaded(), 'not loaded by building the gateway')
  await app.listen({ host: '127.0.0.1', port: 0 })
  t.notOk(loaded(), 'nor by listening')
  t.ok(await eventually(async () => loaded(), 5_000), 'loaded shortly after, with no call made')
})
