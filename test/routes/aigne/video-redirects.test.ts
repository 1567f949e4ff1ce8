import { Writable } from 'node:stream'
import { test } from 'tap'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '#app.js'
import { loadConfig } from '#config.js'
import type { UsageEvent } from '#gateway/usage-events.js'
import { ADMIN_KEY, bearer, issueKey, tempDir, type TestContext } from '../../helpers/build.js'
import { PROVIDER_KEYS } from '../../helpers/gateway.js'
import { MP4_BYTES, redirectTo, sendVideo, veoMock } from '../../helpers/mock-media.js'
import { startMock, type MockServer } from '../../helpers/mock-server.js'
import { selfSignedCertificate } from '../../helpers/tls.js'

/*
 * The real Gemini API answers a Veo file download with a 302 to its storage (a signed https URL). Here the storage is
 * an https loopback server under two names that both resolve to 127.0.0.1: storage.test, which PROVIDER_ALLOWED_HOSTS
 * admits, and internal.test, which it does not, so a refusal proves the address guard judged the redirect target
 * even though the Gemini provider itself comes from the environment (never guarded).
 */

const SIGNATURE = 'X-Goog-Signature=5ec7e7515ec7e7'
const VEO = { input: { prompt: 'Waves', modelOptions: { model: 'gemini/veo-3.0-generate-001' } } }

interface Setup {
  app: FastifyInstance
  gemini: MockServer
  storage: MockServer
  /** The storage's address under `host`, with a signed query. */
  storageUrl: (host?: string, path?: string) => string
  usage: UsageEvent[]
  logs: () => string
  video: () => Promise<{ statusCode: number, body: string, json: () => any }>
}

async function setup (t: TestContext, env: Record<string, string> = {}): Promise<Setup> {
  const dir = tempDir(t)
  const tls = selfSignedCertificate(dir, ['DNS:storage.test', 'DNS:internal.test'])
  const gemini = await startMock(t)
  const storage = await startMock(t, '', tls)
  const port = new URL(storage.url).port
  let logs = ''
  const stream = new Writable({ write (chunk: Buffer, _enc, done) { logs += chunk.toString(); done() } })
  const config = loadConfig({
    DATA_DIR: dir, LOG_LEVEL: 'trace', ADMIN_KEY, MAX_EVENT_LOOP_DELAY_MS: '0', BUILTIN_PRICES: 'false',
    GEMINI_API_KEY: PROVIDER_KEYS.gemini, GEMINI_BASE_URL: gemini.url, PROVIDER_ALLOWED_HOSTS: 'storage.test',
    VIDEO_POLL_INTERVAL_MS: '10', VIDEO_MAX_POLLS: '5', ...env
  })
  const resolveHost = async (): Promise<Array<{ address: string, family: number }>> => [{ address: '127.0.0.1', family: 4 }]
  const app = await buildApp(config, { print: () => {}, resolveHost, upstreamCa: tls.cert }, { logger: { level: 'trace', stream } })
  t.teardown(async () => { await app.close() })
  const usage: UsageEvent[] = []
  app.usageEvents.on('usage', (event) => usage.push(event))
  const { key } = await issueKey(app, { scopes: ['video'] })
  return {
    app,
    gemini,
    storage,
    storageUrl: (host = 'storage.test', path = '/download/storage/v1/b/veo/o/vid1') => `https://${host}:${port}${path}?alt=media&${SIGNATURE}`,
    usage,
    logs: () => logs,
    video: async () => await app.inject({ method: 'POST', url: '/api/v2/video', headers: bearer(key), payload: VEO })
  }
}

test('a Veo download redirected to storage is followed without the key: the video arrives, charged once', async (t) => {
  const s = await setup(t)
  s.gemini.respond(veoMock(() => s.gemini.url, { download: redirectTo(() => s.storageUrl()) }))
  s.storage.respond(sendVideo)
  const res = await s.video()
  t.equal(res.statusCode, 200)
  t.equal(res.json().videos[0].data, MP4_BYTES.toString('base64'))
  t.equal(s.gemini.requests.at(-1)?.headers['x-goog-api-key'], PROVIDER_KEYS.gemini, 'the API itself gets the key')
  const fetched = s.storage.requests[0]
  t.equal(s.storage.requests.length, 1)
  t.equal(fetched?.url, `/download/storage/v1/b/veo/o/vid1?alt=media&${SIGNATURE}`, 'the signed address as given, nothing added')
  t.equal(fetched?.headers['x-goog-api-key'], undefined, 'no API key header at the storage')
  t.equal(fetched?.headers.authorization, undefined, 'no authorization header at the storage')
  t.notOk(JSON.stringify(fetched?.headers).includes(PROVIDER_KEYS.gemini), 'the key is nowhere in the storage request')
  t.notOk(fetched?.url.includes('key='), 'no key in the query either')
  t.equal(s.usage.length, 1)
  t.match(s.usage[0], { kind: 'video', seconds: 8, status: 200 })

  // two hops (a relative one among them) are within the limit
  s.storage.requests.length = 0
  s.storage.respond(redirectTo(() => '/final/vid1?alt=media'), sendVideo)
  const twoHops = await s.video()
  t.equal(twoHops.statusCode, 200)
  t.same(s.storage.requests.map((r) => r.url), [`/download/storage/v1/b/veo/o/vid1?alt=media&${SIGNATURE}`, '/final/vid1?alt=media'])
  t.ok(s.storage.requests.every((r) => r.headers['x-goog-api-key'] === undefined))
  t.match(s.logs(), /"url":"\/api\/v2\/video"/, 'requests are logged')
  t.notOk(s.logs().includes(SIGNATURE), 'the signed query never reaches the logs')
})

test('a redirect the gateway may not follow is refused with a 502 before anything is fetched, the address never quoted', async (t) => {
  const s = await setup(t)
  const plain = await startMock(t)
  plain.respond(sendVideo)
  s.storage.respond(sendVideo)
  const cases: Array<[string, () => string, RegExp]> = [
    ['http', () => `${plain.url}/vid1?${SIGNATURE}`, /redirected the download to an address that is not https; refused/],
    ['another scheme', () => `ftp://storage.test/vid1?${SIGNATURE}`, /redirected the download to an address that is not https; refused/],
    ['user info', () => s.storageUrl().replace('https://', 'https://user:pass@'), /to an address carrying a user name or password; refused/],
    ['no Location', () => '', /redirected the download without an address; refused/],
    ['a non-public host', () => s.storageUrl('internal.test'), /Refused to connect to the download location of provider gemini: its host resolves to an address that is not public/]
  ]
  for (const [name, location, message] of cases) {
    s.gemini.respond(veoMock(() => s.gemini.url, { download: redirectTo(location) }))
    const res = await s.video()
    t.equal(res.statusCode, 502, name)
    t.match(res.json(), { error: { message, type: 'upstream_error' } }, name)
    t.notOk(res.body.includes('5ec7e7'), `${name}: the signed query is not in the answer`)
  }
  t.equal(plain.requests.length, 0, 'the http address is never fetched')
  t.equal(s.storage.requests.length, 0, 'nothing reached the storage: not through user info, not under the refused name')
  t.notOk(s.logs().includes('5ec7e7'), 'nor in the logs')
  t.ok(s.usage.every((event) => event.seconds === 8), 'a job the provider accepted is charged whatever became of the download')
})

test('a chain of 3 redirects is refused after 2 hops; a storage error is told by status only', async (t) => {
  const s = await setup(t)
  s.gemini.respond(veoMock(() => s.gemini.url, { download: redirectTo(() => s.storageUrl()) }))
  s.storage.respond(redirectTo(() => s.storageUrl('storage.test', '/hop2')), redirectTo(() => s.storageUrl('storage.test', '/hop3')))
  const chain = await s.video()
  t.equal(chain.statusCode, 502)
  t.match(chain.json(), { error: { message: 'Provider gemini redirected the download more than 2 times; refused.' } })
  t.same(s.storage.requests.map((r) => r.url.split('?')[0]), ['/download/storage/v1/b/veo/o/vid1', '/hop2'], 'the third target is never fetched')

  s.storage.respond((req, res) => { res.writeHead(403, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: `Signature expired for ${req.url}` } })) })
  const expired = await s.video()
  t.equal(expired.statusCode, 502)
  t.match(expired.json(), { error: { message: 'The download location of provider gemini answered HTTP 403.' } })
  t.notOk(s.logs().includes('5ec7e7'))
})

test('the storage\'s video is held to VIDEO_MAX_BYTES like the API\'s', async (t) => {
  const s = await setup(t, { VIDEO_MAX_BYTES: '1024' })
  s.gemini.respond(veoMock(() => s.gemini.url, { download: redirectTo(() => s.storageUrl()) }))
  s.storage.respond((_req, res) => { res.writeHead(200, { 'content-type': 'video/mp4' }).end(Buffer.alloc(4096)) })
  const res = await s.video()
  t.equal(res.statusCode, 502)
  t.match(res.json(), { error: { message: /sent a file larger than 1 KB/ } })
})
