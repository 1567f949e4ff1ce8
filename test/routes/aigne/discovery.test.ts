import { createServer, request as httpRequest } from 'node:http'
import type { AddressInfo } from 'node:net'
import { test } from 'tap'
import { loadConfig } from '#config.js'
import { build, type TestContext } from '../../helpers/build.js'
import { openAIMock } from '../../helpers/mock-openai.js'
import { gatewayWithMock } from '../../helpers/gateway.js'
import { chatModel, listen, readStream } from './setup.js'

/**
 * A reverse proxy serving the gateway under `prefix` (stripped on the way in), with the discovery file at the
 * origin root where AIGNE clients look for it: how a deployment under a sub-path is set up (see the README).
 */
async function prefixProxy (t: TestContext, upstream: string, prefix: string): Promise<{ origin: string, seen: string[] }> {
  const target = new URL(upstream)
  const seen: string[] = []
  const server = createServer((req, res) => {
    const url = req.url ?? '/'
    seen.push(url)
    if (!url.startsWith(`${prefix}/`) && !url.startsWith('/__blocklet__.js')) return res.writeHead(404).end()
    const path = url.startsWith(`${prefix}/`) ? url.slice(prefix.length) : url
    const forward = httpRequest({ host: target.hostname, port: target.port, method: req.method, path, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers)
      answer.pipe(res)
    })
    req.pipe(forward)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(async () => { await new Promise((resolve) => { server.closeAllConnections(); server.close(resolve) }) })
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen }
}

test('GET /__blocklet__.js: public discovery of the API mount point, as JSON or as a script', async (t) => {
  const app = await build(t)
  const json = await app.inject({ url: '/__blocklet__.js?type=json' })
  t.equal(json.statusCode, 200)
  t.same(json.json(), { componentMountPoints: [{ did: 'z8ia3xzq2tMq8CRHfaXj1BTYJyYnEcHbqP8cJ', name: 'ai-kit', title: 'Hubgate', mountPoint: '/' }] })
  const script = await app.inject({ url: '/__blocklet__.js' })
  t.match(script.headers['content-type'], /^application\/javascript/)
  t.equal(script.body, `window.blocklet = ${json.body};\n`)
})

test('AIGNE_MOUNT_POINT: the client follows the announced prefix through a reverse proxy', async (t) => {
  const gw = await gatewayWithMock(t, 'openai', { AIGNE_MOUNT_POINT: '/hub/' })
  const proxy = await prefixProxy(t, await listen(gw.app), '/hub')
  gw.mock.respond(openAIMock.answer({ content: 'Through the proxy.' }, { pieceSize: 4 }))

  const model = chatModel(`${proxy.origin}/hub`, gw.key)
  t.equal((await model.invoke({ messages: [{ role: 'user', content: 'hi' }] })).text, 'Through the proxy.')
  t.equal((await readStream(await model.invoke({ messages: [{ role: 'user', content: 'hi' }] }, { streaming: true }) as ReadableStream)).text, 'Through the proxy.')
  t.same(proxy.seen, ['/__blocklet__.js?type=json', '/hub/api/v2/chat', '/hub/api/v2/chat'],
    'discovered once per model instance at the origin root, then every call under the announced prefix (trailing slash trimmed)')
})

test('AIGNE_MOUNT_POINT must be an absolute path', async (t) => {
  t.throws(() => loadConfig({ AIGNE_MOUNT_POINT: 'hub' }), /AIGNE_MOUNT_POINT/)
  t.throws(() => loadConfig({ AIGNE_MOUNT_POINT: '/hub?x=1' }), /AIGNE_MOUNT_POINT/)
  t.equal(loadConfig({ AIGNE_MOUNT_POINT: '/ai/hub' }).AIGNE_MOUNT_POINT, '/ai/hub')
})
