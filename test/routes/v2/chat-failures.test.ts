import { test } from 'tap'
import { openAIMock } from '../../helpers/mock-openai.js'
import { neverAnswer, resetConnection, sendJson, streamEvents } from '../../helpers/mock-server.js'
import { gatewayWithMock, PROVIDER_KEYS, sseData } from '../../helpers/gateway.js'
import { openAIError, openAIStreamError } from '../../helpers/openai-error.js'

const hello = { model: 'openai/gpt-4o', messages: [{ role: 'user', content: 'hi' }] }
const ONE_CHUNK = 'data: {"id":"x","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"a"},"finish_reason":null}]}\n\n'

test('upstream 400 becomes 400 with the provider\'s message, credential and URL removed', async (t) => {
  const gw = await gatewayWithMock(t, 'openai')
  gw.mock.respond((_req, res) => sendJson(res, 400, {
    error: { message: `Invalid 'messages[0]': bad (seen at ${gw.mock.url} with ${PROVIDER_KEYS.openai})`, type: 'invalid_request_error' }
  }))
  const res = await gw.chat(hello)
  t.equal(res.statusCode, 400)
  const body = res.json()
  t.match(body, { error: { type: 'invalid_request_error', param: null, code: 'HUB_UPSTREAM_REJECTED' } })
  t.match(body.message, /^Invalid 'messages\[0\]': bad/)
  t.equal(body.error.message, body.message)
  t.notOk(res.body.includes(PROVIDER_KEYS.openai), 'no credential')
  t.notOk(res.body.includes(gw.mock.url), 'no upstream URL')
  t.match(gw.usage[0], { status: 400, streamed: false, error: body.message })
})

test('upstream 404 (unknown upstream model) keeps its status and message', async (t) => {
  const gw = await gatewayWithMock(t, 'openai')
  gw.mock.respond(openAIMock.error(404, 'The model `gpt-4o` does not exist or you do not have access to it.'))
  const res = await gw.chat(hello)
  t.equal(res.statusCode, 404)
  t.same(res.json(), openAIError('The model `gpt-4o` does not exist or you do not have access to it.', 'invalid_request_error', 'HUB_UPSTREAM_REJECTED'))
})

for (const status of [401, 403]) {
  test(`upstream ${status} (the gateway's credential) becomes 502, never 401, and its text is not relayed`, async (t) => {
    const gw = await gatewayWithMock(t, 'openai')
    gw.mock.respond(openAIMock.error(status, `Incorrect API key provided: ${PROVIDER_KEYS.openai.slice(0, 8)}****`))
    const res = await gw.chat(hello)
    t.equal(res.statusCode, 502)
    t.match(res.json().error, { type: 'api_error', code: 'HUB_UPSTREAM_AUTH' })
    t.match(res.json().message, /refused the gateway's credentials/)
    t.notOk(res.body.includes(PROVIDER_KEYS.openai.slice(0, 8)))
    t.equal(res.headers['www-authenticate'], undefined)
  })
}

test('upstream 429 becomes 429 with Retry-After passed on', async (t) => {
  const gw = await gatewayWithMock(t, 'openai')
  gw.mock.respond(openAIMock.error(429, 'Rate limit reached for gpt-4o', { 'retry-after': '7' }))
  const res = await gw.chat(hello)
  t.equal(res.statusCode, 429)
  t.equal(res.headers['retry-after'], '7')
  t.same(res.json(), openAIError('Provider openai is rate limiting requests: Rate limit reached for gpt-4o', 'rate_limit_error', 'HUB_UPSTREAM_RATE_LIMITED'))
})

test('upstream 5xx becomes 502; upstream 504 becomes 504', async (t) => {
  // without retries, each request meets the next answer (retries: test/routes/v2/resilience.test.ts)
  const gw = await gatewayWithMock(t, 'openai', { UPSTREAM_RETRIES: '0' })
  gw.mock.respond(openAIMock.error(500, 'The server had an error while processing your request.'), openAIMock.error(503, 'Overloaded'), openAIMock.error(504, 'Gateway timeout'))
  const first = await gw.chat(hello)
  t.equal(first.statusCode, 502)
  t.same(first.json(), openAIError('Provider openai failed (HTTP 500): The server had an error while processing your request.', 'api_error', 'HUB_UPSTREAM_FAILED'))
  t.equal((await gw.chat(hello)).statusCode, 502)
  t.equal((await gw.chat(hello)).statusCode, 504)
})

test('an HTML error page from the upstream is not relayed', async (t) => {
  const gw = await gatewayWithMock(t, 'openai')
  gw.mock.respond((_req, res) => { res.writeHead(502, { 'content-type': 'text/html' }).end('<html><body>nginx upstream error</body></html>') })
  const res = await gw.chat(hello)
  t.equal(res.statusCode, 502)
  t.same(res.json(), openAIError('Provider openai failed (HTTP 502).', 'api_error', 'HUB_UPSTREAM_FAILED'))
})

test('a reset connection becomes 502; a refused one too', async (t) => {
  const gw = await gatewayWithMock(t, 'openai')
  gw.mock.respond(resetConnection)
  const res = await gw.chat(hello)
  t.equal(res.statusCode, 502)
  t.same(res.json(), openAIError('Could not reach provider openai, or it closed the connection.', 'api_error', 'HUB_UPSTREAM_FAILED'))

  const refused = await gatewayWithMock(t, 'openai', { OPENAI_BASE_URL: 'http://127.0.0.1:9/v1' })
  const res2 = await refused.chat(hello)
  t.equal(res2.statusCode, 502)
  t.notOk(res2.body.includes('127.0.0.1'))
})

test('no response headers within UPSTREAM_TIMEOUT_MS becomes 504', async (t) => {
  const gw = await gatewayWithMock(t, 'openai', { UPSTREAM_TIMEOUT_MS: '200' })
  gw.mock.respond(neverAnswer)
  const res = await gw.chat(hello)
  t.equal(res.statusCode, 504)
  t.same(res.json(), openAIError('Timed out waiting for provider openai to answer.', 'api_error', 'HUB_UPSTREAM_TIMEOUT'))
  t.match(gw.usage[0], { status: 504, error: 'Timed out waiting for provider openai to answer.' })
})

test('a stream that goes silent for UPSTREAM_IDLE_TIMEOUT_MS ends with an SSE error event and no [DONE]', async (t) => {
  const gw = await gatewayWithMock(t, 'openai', { UPSTREAM_IDLE_TIMEOUT_MS: '200' })
  gw.mock.respond(openAIMock.answer({ content: 'abcdef' }, { hangAfter: 2 }))
  const res = await gw.chat({ ...hello, stream: true })
  t.equal(res.statusCode, 200)
  const data = sseData(res.body)
  t.notOk(data.includes('[DONE]'))
  t.same(JSON.parse(data.at(-1) ?? ''), openAIStreamError('Provider openai stopped sending its answer (idle timeout).', 'HUB_UPSTREAM_TIMEOUT'))
  await gw.mock.abandoned()
  t.match(gw.usage[0], { status: 200, streamed: true, error: 'Provider openai stopped sending its answer (idle timeout).', clientAborted: false })
})

test('an upstream dying mid-stream gives an SSE error event, then close, without [DONE]', async (t) => {
  const gw = await gatewayWithMock(t, 'openai')
  gw.mock.respond(openAIMock.answer({ content: 'abcdef' }, { dieAfter: 3 }))
  const res = await gw.chat({ ...hello, stream: true })
  const data = sseData(res.body)
  t.equal(data.length, 4, 'three relayed chunks and the error')
  t.same(JSON.parse(data[3] ?? ''), openAIStreamError('Could not reach provider openai, or it closed the connection.', 'HUB_UPSTREAM_FAILED'))
})

test('an error event inside an OpenAI-compatible stream is relayed as the SSE error event', async (t) => {
  const gw = await gatewayWithMock(t, 'openai')
  gw.mock.respond((_req, res) => streamEvents(res, [
    ONE_CHUNK,
    ': OPENROUTER PROCESSING\n\n',
    'data: {"error":{"message":"Provider returned error","code":502}}\n\n'
  ]))
  const res = await gw.chat({ ...hello, stream: true })
  const data = sseData(res.body)
  t.equal(data.length, 2)
  t.same(JSON.parse(data[1] ?? ''), openAIStreamError('Provider openai failed during the answer: Provider returned error', 'HUB_UPSTREAM_FAILED'))
})

test('an upstream event that never ends is refused at 32 MB, not buffered until memory runs out', async (t) => {
  const gw = await gatewayWithMock(t, 'openai')
  const megabyte = 'x'.repeat(2 ** 20)
  gw.mock.respond(async (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' })
    res.write(ONE_CHUNK + 'data: ')
    // one line that goes on, a megabyte at a time, for longer than the limit
    for (let i = 0; i < 40 && !res.destroyed; i++) {
      if (res.write(megabyte)) continue
      await new Promise<void>((resolve) => {
        const go = (): void => { res.off('drain', go).off('close', go); resolve() }
        res.on('drain', go).on('close', go)
      })
    }
  })
  const data = sseData((await gw.chat({ ...hello, stream: true })).body)
  t.equal(data.length, 2, 'the chunk before it, then the error')
  t.same(JSON.parse(data[1] ?? ''), openAIStreamError('Provider openai failed during the answer: an event larger than 32 MB', 'HUB_UPSTREAM_FAILED'))
  await gw.mock.abandoned()
})

test('a stream cut short without [DONE] is reported as incomplete', async (t) => {
  const gw = await gatewayWithMock(t, 'openai')
  gw.mock.respond((_req, res) => streamEvents(res, [ONE_CHUNK]))
  const data = sseData((await gw.chat({ ...hello, stream: true })).body)
  t.same(JSON.parse(data.at(-1) ?? ''), openAIStreamError('Provider openai ended the stream before it was complete.', 'HUB_UPSTREAM_FAILED'))
})

test('a streamed request refused before any output gets a plain HTTP error, not a stream', async (t) => {
  const gw = await gatewayWithMock(t, 'openai')
  gw.mock.respond(openAIMock.error(429, 'slow down', { 'retry-after': '3' }))
  const res = await gw.chat({ ...hello, stream: true })
  t.equal(res.statusCode, 429)
  t.equal(res.headers['retry-after'], '3')
  t.match(res.headers['content-type'], /^application\/json/)
  t.match(gw.usage[0], { status: 429, streamed: true })
})
