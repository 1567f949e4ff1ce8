import { test } from 'tap'
import { ClientSignal } from '#upstream/client-signal.js'
import { UpstreamHttp } from '#upstream/http.js'
import type { UpstreamCall } from '#upstream/types.js'
import type { TestContext } from '../helpers/build.js'
import { neverAnswer, resetConnection, sendJson, startMock, writeInPieces, type MockHandler } from '../helpers/mock-server.js'

/*
 * UpstreamHttp.postJsonForText (the whole-answer path of every non-streamed call) and postJsonForStream (every
 * streamed one), against a loopback server: the route tests cover them end to end; these pin what they cannot easily
 * provoke (split characters, a byte order mark, oversized error pages, a reader listening late or pausing, a client
 * leaving mid-answer).
 */

const SECRET = 'sk-upstream-secret-0123456789'

async function setup (t: TestContext, timeouts = { connectMs: 2_000, headersMs: 2_000, idleMs: 2_000 }, maxAnswerBytes?: number) {
  const mock = await startMock(t, '/v1')
  const http = new UpstreamHttp(timeouts, maxAnswerBytes)
  t.teardown(async () => { await http.close() })
  const call = (): UpstreamCall => ({
    provider: { id: 'acme', kind: 'openai-compatible', displayName: 'Acme', baseUrl: mock.url, apiKey: SECRET, models: ['*'], source: 'env' },
    model: 'm',
    signal: new ClientSignal(),
    http
  })
  const post = async (c = call()): Promise<string> => await http.postJsonForText(c, { path: '/chat/completions', headers: { authorization: `Bearer ${SECRET}` }, body: '{"q":1}' })
  return { mock, http, call, post }
}

test('a 2xx answer comes back whole, as text, however it was split; the request is the JSON POST asked for', async (t) => {
  const { mock, post } = await setup(t)
  const answer = JSON.stringify({ text: 'héllo wörld — 你好 🌍' })
  mock.respond(async (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' })
    await writeInPieces(res, answer, 1) // multi-byte characters split across pieces
    res.end()
  })
  t.equal(await post(), answer)
  t.match(mock.requests[0], { method: 'POST', url: '/chat/completions', body: { q: 1 }, headers: { 'content-type': 'application/json', authorization: `Bearer ${SECRET}` } })
})

test('a byte order mark before the JSON is dropped', async (t) => {
  const { mock, post } = await setup(t)
  mock.respond((_req, res) => { res.writeHead(200, { 'content-type': 'application/json' }).end('\uFEFF{"ok":true}') })
  t.same(JSON.parse(await post()), { ok: true })
})

test('a non-2xx answer is its HUB_* error, with the provider\'s message redacted and its status kept', async (t) => {
  const { mock, post } = await setup(t)
  mock.respond(
    (_req, res) => { sendJson(res, 429, { error: { message: `slow down (key ${SECRET})` } }, { 'retry-after': '7' }) },
    (_req, res) => { sendJson(res, 404, { error: { message: 'no such model' } }) },
    (_req, res) => { res.writeHead(500, { 'content-type': 'text/html' }).end(`<html>${'x'.repeat(200_000)}</html>`) }
  )
  const limited = await post().then(() => undefined, (err: unknown) => err as Error & Record<string, unknown>)
  t.match(limited, { code: 'HUB_UPSTREAM_RATE_LIMITED', statusCode: 429, upstreamStatus: 429, retryAfter: '7' })
  t.notMatch(limited?.message, SECRET, 'the credential the provider quoted is redacted')
  t.match(limited?.message, /slow down \(key \[redacted\]\)/)
  await t.rejects(post(), { statusCode: 404, upstreamStatus: 404, message: 'no such model' }, 'same status as the provider\'s')
  await t.rejects(post(), { code: 'HUB_UPSTREAM_FAILED', upstreamStatus: 500, message: 'Provider acme failed (HTTP 500).' }, 'an oversized HTML page is read for a message (none) and dropped')
})

test('transport failures map to the client-safe errors', async (t) => {
  const { mock, post } = await setup(t, { connectMs: 2_000, headersMs: 200, idleMs: 200 })
  mock.respond(resetConnection, neverAnswer)
  await t.rejects(post(), { code: 'HUB_UPSTREAM_FAILED', message: 'Could not reach provider acme, or it closed the connection.' })
  await t.rejects(post(), { code: 'HUB_UPSTREAM_TIMEOUT', message: 'Timed out waiting for provider acme to answer.' })
})

test('a client that leaves aborts the upstream request: before it starts, and while the answer is pending', async (t) => {
  const { mock, call, post } = await setup(t)
  mock.respond(neverAnswer)
  const gone = call()
  gone.signal.abort()
  await t.rejects(post(gone), { code: 'HUB_CLIENT_CLOSED' }, 'already gone: nothing is sent')

  const leaving = call()
  const pending = post(leaving)
  while (mock.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 5))
  leaving.signal.abort()
  await t.rejects(pending, { code: 'HUB_CLIENT_CLOSED' })
  await mock.abandoned()
  t.equal(leaving.signal.listenerCount('abort'), 0, 'the call leaves no listener on the signal')
})

test('an answer beyond the size limit is refused as the provider\'s failure, and its connection dropped', async (t) => {
  const { mock, post } = await setup(t, undefined, 64 * 1024)
  mock.respond(
    async (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' })
      // an upstream that would go on for ever
      await writeInPieces(res, `{"data":"${'x'.repeat(200 * 1024)}`, 16 * 1024)
    },
    (_req, res) => { sendJson(res, 200, { fits: 'x'.repeat(60 * 1024) }) }
  )
  await t.rejects(post(), { code: 'HUB_UPSTREAM_FAILED', message: 'Provider acme sent an answer larger than 64 KB.' })
  await mock.abandoned()
  t.equal(JSON.parse(await post()).fits.length, 60 * 1024, 'an answer within the limit is taken whole')
})

/** postJsonForStream's body, read to its end (or failure) by a listener attached `after` ms after the 2xx arrived. */
async function readStream (http: UpstreamHttp, c: UpstreamCall, after = 0): Promise<{ pieces: string[], error?: Error }> {
  const body = await http.postJsonForStream(c, { path: '/chat/completions', headers: {}, body: '{"stream":true}' })
  if (after > 0) await new Promise((resolve) => setTimeout(resolve, after))
  return await new Promise((resolve) => {
    const pieces: string[] = []
    body.listen({
      data: (piece) => { pieces.push(piece.toString('utf8')) },
      end: () => { resolve({ pieces }) },
      error: (error) => { resolve({ pieces, error }) }
    })
  })
}

test('a streamed answer: nothing is lost while its reader is not yet listening, however late it comes; then its end', async (t) => {
  const { mock, http, call } = await setup(t)
  mock.respond(async (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' })
    await writeInPieces(res, 'data: one\n\ndata: two\n\ndata: [DONE]\n\n', 7)
    res.end()
  })
  const read = await readStream(http, call(), 100)
  t.equal(read.pieces.join(''), 'data: one\n\ndata: two\n\ndata: [DONE]\n\n')
  t.equal(read.error, undefined)
})

test('a streamed answer that is not 2xx throws its HUB_* error before any body is handed over', async (t) => {
  const { mock, http, call } = await setup(t)
  mock.respond(
    (_req, res) => { sendJson(res, 429, { error: { message: `slow down (key ${SECRET})` } }, { 'retry-after': '3' }) },
    (_req, res) => { res.writeHead(500, { 'content-type': 'text/html' }).end(`<html>${'x'.repeat(200_000)}</html>`) }
  )
  const limited = await readStream(http, call()).then(() => undefined, (err: unknown) => err as Error & Record<string, unknown>)
  t.match(limited, { code: 'HUB_UPSTREAM_RATE_LIMITED', upstreamStatus: 429, retryAfter: '3', message: /slow down \(key \[redacted\]\)/ })
  await t.rejects(readStream(http, call()), { code: 'HUB_UPSTREAM_FAILED', upstreamStatus: 500 }, 'an oversized error page: its status only')
})

test('an error answer that never ends is cut off after its first 64 KB: the call fails with its status at once', async (t) => {
  const { mock, http, call, post } = await setup(t, { connectMs: 2_000, headersMs: 60_000, idleMs: 60_000 })
  const endless: MockHandler = async (_req, res) => {
    res.writeHead(503, { 'content-type': 'text/plain' })
    // an upstream that would go on for ever
    while (!res.destroyed) await new Promise((resolve) => res.write('overloaded '.repeat(1000), resolve))
  }
  mock.respond(endless, endless)
  await t.rejects(post(), { code: 'HUB_UPSTREAM_FAILED', upstreamStatus: 503 }, 'whole answer')
  await t.rejects(readStream(http, call()), { code: 'HUB_UPSTREAM_FAILED', upstreamStatus: 503 }, 'streamed answer')
  await mock.abandoned()
})

test('a streamed answer that breaks off is told to its reader, even when it broke before the reader listened', async (t) => {
  const { mock, http, call } = await setup(t)
  mock.respond(async (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' })
    res.write('data: one\n\n')
    await new Promise((resolve) => setTimeout(resolve, 20))
    res.socket?.destroy()
  })
  const read = await readStream(http, call(), 150)
  t.equal(read.pieces.join(''), 'data: one\n\n', 'what came before the break')
  t.ok(read.error, 'then the failure')
})

test('a streamed answer: pause holds its pieces back until resume; destroy stops the upstream request', async (t) => {
  const { mock, http, call } = await setup(t)
  let release: () => void = () => {}
  mock.respond(async (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' })
    res.write('data: one\n\n')
    await new Promise<void>((resolve) => { release = resolve })
    res.write('data: two\n\n')
    // an upstream that would go on for ever
    await new Promise((resolve) => res.on('close', resolve))
  })
  const c = call()
  const body = await http.postJsonForStream(c, { path: '/chat/completions', headers: {}, body: '{}' })
  const pieces: string[] = []
  const ends: unknown[] = []
  body.listen({ data: (piece) => { pieces.push(String(piece)) }, end: () => { ends.push('end') }, error: (err) => { ends.push(err) } })
  while (pieces.length === 0) await new Promise((resolve) => setTimeout(resolve, 5))
  body.pause()
  release()
  await new Promise((resolve) => setTimeout(resolve, 100))
  t.same(pieces, ['data: one\n\n'], 'nothing while paused')
  body.resume()
  while (pieces.length < 2) await new Promise((resolve) => setTimeout(resolve, 5))
  t.same(pieces, ['data: one\n\n', 'data: two\n\n'], 'resumed')
  body.destroy()
  await mock.abandoned()
  t.same(ends, [], 'a destroyed body tells its reader nothing more')
  t.equal(c.signal.listenerCount('abort'), 0, 'the call leaves no listener on the signal')
})

test('a client that leaves before a streamed answer starts aborts it', async (t) => {
  const { mock, http, call } = await setup(t)
  mock.respond(neverAnswer)
  const leaving = call()
  const pending = readStream(http, leaving)
  while (mock.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 5))
  leaving.signal.abort()
  await t.rejects(pending, { code: 'HUB_CLIENT_CLOSED' })
  await mock.abandoned()
})
