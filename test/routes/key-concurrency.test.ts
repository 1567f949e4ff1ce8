import { test, type Test } from 'tap'
import { ADMIN_KEY, bearer, issueKey } from '../helpers/build.js'
import { byPath, openAIMediaMock } from '../helpers/mock-media.js'
import { openAIMock } from '../helpers/mock-openai.js'
import type { MockHandler } from '../helpers/mock-server.js'
import { needs, postgresEnv, serviceUrl } from '../helpers/services.js'
import { redisPrefix } from '../helpers/redis.js'
import { gatewayWithMock, type Gateway } from '../helpers/gateway.js'

/*
 * Per-key maxConcurrent over a real listening server: a key holding its cap of calls in progress (streams until
 * they end) gets 429 for more, on every client family; every way a call ends gives its slot back.
 */

const CHAT = { model: 'openai/gpt-4o', messages: [{ role: 'user', content: 'hi' }] }
const STREAM = { ...CHAT, stream: true }

/** One call per client family and kind: chat (JSON and stream), AIGNE, legacy AI Kit, embeddings, images. */
const FAMILIES: Array<[name: string, path: string, body: Record<string, unknown>, headers?: Record<string, string>]> = [
  ['chat completions', '/api/v2/chat/completions', CHAT],
  ['chat completions, streamed', '/api/v2/chat/completions', STREAM],
  ['AIGNE chat', '/api/v2/chat', { input: { messages: [{ role: 'user', content: 'hi' }], modelOptions: { model: 'openai/gpt-4o' } } }],
  ['AIGNE chat, streamed', '/api/v2/chat', { input: { messages: [{ role: 'user', content: 'hi' }], modelOptions: { model: 'openai/gpt-4o' } }, options: { streaming: true } }],
  ['legacy chat', '/api/v1/chat/completions', { model: 'gpt-4o', prompt: 'hi' }],
  ['legacy chat, streamed', '/api/v1/completions', { model: 'gpt-4o', prompt: 'hi' }, { accept: 'text/event-stream' }],
  ['embeddings', '/api/v2/embeddings', { model: 'openai/text-embedding-3-small', input: 'hi' }],
  ['legacy embeddings', '/api/v1/embeddings', { model: 'openai/text-embedding-3-small', input: 'hi' }],
  ['images', '/api/v2/images/generations', { model: 'openai/dall-e-3', prompt: 'a cat' }],
  ['AIGNE image', '/api/v2/image', { input: { prompt: 'a cat', modelOptions: { model: 'openai/dall-e-3' } } }],
  ['legacy images', '/api/v1/image/generations', { model: 'openai/dall-e-3', prompt: 'a cat' }]
]

const ANSWERS = {
  '/chat/completions': openAIMock.answer({ content: 'one two three' }),
  '/embeddings': openAIMediaMock.embeddings(),
  '/images/generations': openAIMediaMock.images({ url: 'https://images.example/1.png' })
}

interface Listening extends Gateway {
  post: (key: string, path: string, body: unknown, headers?: Record<string, string>, signal?: AbortSignal) => Promise<Response>
}

async function listening (t: Parameters<typeof gatewayWithMock>[0], env: Record<string, string> = {}): Promise<Listening> {
  const gw = await gatewayWithMock(t, 'openai', { UPSTREAM_RETRIES: '0', ...env })
  await gw.app.listen({ host: '127.0.0.1', port: 0 })
  const { port } = gw.app.server.address() as { port: number }
  const post = async (key: string, path: string, body: unknown, headers: Record<string, string> = {}, signal?: AbortSignal): Promise<Response> =>
    await fetch(`http://127.0.0.1:${port}${path}`, {
      method: 'POST', headers: { ...bearer(key), 'content-type': 'application/json', ...headers }, body: JSON.stringify(body), ...(signal !== undefined ? { signal } : {})
    })
  return { ...gw, post }
}

/** Upstream answers held until open(); arrived(n) resolves once n requests have reached the provider. */
function heldUpstream (gw: Gateway, answer: MockHandler = byPath(ANSWERS)): { open: () => void, arrived: (n: number) => Promise<void> } {
  let open!: () => void
  const gate = new Promise<void>((resolve) => { open = resolve })
  const waiting: Array<{ n: number, resolve: () => void }> = []
  gw.mock.respond(async (req, res) => {
    for (const w of waiting.filter((w) => gw.mock.requests.length >= w.n)) w.resolve()
    await gate
    await answer(req, res)
  })
  const arrived = async (n: number): Promise<void> => {
    if (gw.mock.requests.length >= n) return
    await new Promise<void>((resolve) => waiting.push({ n, resolve }))
  }
  return { open, arrived }
}

/** Resolves once `count` of `calls` were answered 429 (before anything held upstream is let go). */
async function refusals (calls: Array<Promise<Response>>, count: number): Promise<void> {
  let refused = 0
  await new Promise<void>((resolve) => {
    for (const call of calls) void call.then((res) => { if (res.status === 429 && ++refused === count) resolve() })
  })
}

async function expectRefused (t: Test, res: Response, name: string, aigneShape: boolean): Promise<void> {
  t.equal(res.status, 429, `${name}: 429`)
  t.equal(res.headers.get('retry-after'), '1', `${name}: Retry-After`)
  const body = await res.json() as Record<string, unknown>
  const message = /already has 1 model call in progress, its limit \(maxConcurrent\)/
  if (aigneShape) t.match(body, { error: { message, type: 'rate_limit_error' }, message }, `${name}: the AIGNE error shape`)
  else t.same(Object.keys(body), ['error', 'message'], `${name}: the standard error body`)
  t.match(body, { message }, name)
}

async function exactlyTheCapRuns (t: Test, gw: Listening): Promise<void> {
  const { key } = await issueKey(gw.app, { scopes: ['chat'], maxConcurrent: 2 })
  const upstream = heldUpstream(gw)
  const calls = Array.from({ length: 6 }, async () => await gw.post(key, '/api/v2/chat/completions', STREAM))
  await upstream.arrived(2)
  await refusals(calls, 4)
  t.equal(gw.mock.requests.length, 2, 'only maxConcurrent calls reached the provider')
  upstream.open()
  const answers = await Promise.all(calls.map(async (call) => { const res = await call; await res.text(); return res.status }))
  t.same(answers.sort(), [200, 200, 429, 429, 429, 429], 'exactly maxConcurrent streams ran, the rest got 429')
  const again = await Promise.all([gw.post(key, '/api/v2/chat/completions', STREAM), gw.post(key, '/api/v2/chat/completions', CHAT)])
  t.same(again.map((res) => res.status), [200, 200], 'once they ended, their slots serve new calls')
  await Promise.all(again.map(async (res) => await res.text()))
}

test('a key with maxConcurrent 2 gets exactly 2 calls at once; the rest 429 until those end', async (t) => {
  await exactlyTheCapRuns(t, await listening(t))
})

test('maxConcurrent across replicas: Redis-backed slots hold the same cap', needs('TEST_REDIS_URL', 'Redis'), async (t) => {
  const url = serviceUrl('TEST_REDIS_URL')
  await exactlyTheCapRuns(t, await listening(t, { REDIS_URL: url, REDIS_KEY_PREFIX: redisPrefix(t, url) }))
})

test('a stream in progress holds the slot on every client family; a client leaving mid-stream frees it', async (t) => {
  const gw = await listening(t)
  const { key } = await issueKey(gw.app, { scopes: ['chat', 'embeddings', 'images'], maxConcurrent: 1 })
  gw.mock.respond(byPath({ ...ANSWERS, '/chat/completions': openAIMock.answer({ content: 'one two three' }, { hangAfter: 1 }) }))
  const leaving = new AbortController()
  const stream = await gw.post(key, '/api/v2/chat/completions', STREAM, {}, leaving.signal)
  t.equal(stream.status, 200)
  const reader = (stream.body as ReadableStream<Uint8Array>).getReader()
  t.ok((await reader.read()).value, 'the stream has started and hangs upstream')

  for (const [name, path, body, headers] of FAMILIES) {
    await expectRefused(t, await gw.post(key, path, body, headers), name, !path.startsWith('/api/v2/chat/completions') && !path.startsWith('/api/v2/images'))
  }
  t.equal(gw.mock.requests.length, 1, 'no refused call reached the provider')

  leaving.abort()
  await gw.mock.abandoned()
  gw.mock.respond(byPath(ANSWERS))
  for (const [name, path, body, headers] of FAMILIES) {
    const res = await gw.post(key, path, body, headers)
    t.equal(res.status, 200, `${name}: served once the client that held the slot left`)
    await res.text()
  }
})

test('the slot comes back however a call ends: upstream failure, refusal after the slot, broken stream', async (t) => {
  const gw = await listening(t)
  const { key } = await issueKey(gw.app, { scopes: ['chat'], models: ['openai/*'], maxConcurrent: 1 })
  const served = async (what: string): Promise<void> => {
    gw.mock.respond(openAIMock.answer({ content: 'fine' }))
    const res = await gw.post(key, '/api/v2/chat/completions', CHAT)
    t.equal(res.status, 200, `after ${what}, the next call is served`)
    await res.text()
  }

  gw.mock.respond(openAIMock.error(500, 'down'))
  t.equal((await gw.post(key, '/api/v2/chat/completions', CHAT)).status, 502)
  await served('an upstream failure')

  t.equal((await gw.post(key, '/api/v2/chat/completions', { ...CHAT, model: 'anthropic/claude-sonnet-4-5' })).status, 401, 'a model the key may not use')
  await served('a refusal of the model after the slot was taken')

  t.equal((await gw.post(key, '/api/v2/chat/completions', { ...CHAT, messages: [{ role: 'tool', content: 'x' }] })).status, 400, 'a tool message without tool_call_id')
  await served('a request the provider layer refused as invalid')

  t.equal((await gw.post(key, '/api/v2/chat/completions', { ...CHAT, model: 'openai/not-offered' })).status, 400, 'a model no provider offers')
  await served('a model the registry refused')

  gw.mock.respond(openAIMock.answer({ content: 'one two three' }, { dieAfter: 2 }))
  const broken = await gw.post(key, '/api/v2/chat/completions', STREAM)
  t.equal(broken.status, 200)
  t.match(await broken.text(), /error/, 'the stream ended with an error event')
  await served('a stream that broke upstream')
})

async function roundTrip (t: Test, env: Record<string, string> = {}): Promise<void> {
  const gw = await gatewayWithMock(t, 'openai', env)
  const admin = async (method: 'POST' | 'PATCH' | 'GET', url: string, payload?: unknown): Promise<{ statusCode: number, json: () => any }> =>
    await gw.app.inject({ method, url, headers: bearer(ADMIN_KEY), ...(payload !== undefined ? { payload: payload as object } : {}) })
  const created = await issueKey(gw.app, { maxConcurrent: 3 })
  t.equal(created.maxConcurrent, 3)
  t.equal((await issueKey(gw.app)).maxConcurrent, null, 'unlimited unless given')
  t.equal((await admin('PATCH', `/api/admin/access-keys/${created.id}`, { maxConcurrent: 5 })).json().maxConcurrent, 5)
  t.equal((await admin('GET', `/api/admin/access-keys/${created.id}`)).json().maxConcurrent, 5)
  const listed: Array<{ id: string, maxConcurrent: number | null }> = (await admin('GET', '/api/admin/access-keys')).json().items
  t.equal(listed.find((k) => k.id === created.id)?.maxConcurrent, 5, 'the list shows it')
  for (const bad of [0, 1.5, 100_001, 'four']) {
    const res = await admin('PATCH', `/api/admin/access-keys/${created.id}`, { maxConcurrent: bad })
    t.equal(res.statusCode, 400, `maxConcurrent ${JSON.stringify(bad)} is refused`)
    t.match(res.json(), { error: 'Bad Request', message: /^body\/maxConcurrent / })
  }
  t.equal((await admin('PATCH', `/api/admin/access-keys/${created.id}`, { maxConcurrent: null })).json().maxConcurrent, null, 'null lifts the cap')
}

test('maxConcurrent is set, changed and listed through the admin API, kept in the store (SQLite), refused out of range', async (t) => {
  await roundTrip(t)
})

test('maxConcurrent round trip on Postgres', needs('TEST_DATABASE_URL', 'Postgres'), async (t) => {
  await roundTrip(t, postgresEnv(t, serviceUrl('TEST_DATABASE_URL')))
})
