import { connect } from 'node:net'
import { test } from 'tap'
import { ADMIN_KEY, UNAUTHORIZED } from '../../helpers/build.js'
import { openAIMock } from '../../helpers/mock-openai.js'
import { gatewayWithMock } from '../../helpers/gateway.js'

/*
 * The bad-input battery: every case answers a clear 4xx `{ error, message }` (never a 5xx, never a bare
 * status line), through a real listening server and raw sockets, so what Node's HTTP parser refuses is
 * covered too. Decisions recorded here: duplicate JSON keys follow JSON.parse (the last wins; the parsed
 * value is what is validated and sent upstream); charset=utf-8 in any spelling is accepted, any other
 * charset is 415; oversized request lines or headers are 431 (Node's maxHeaderSize, 16 KiB), a path
 * segment beyond Fastify's maxParamLength is 414.
 */

interface Answer { status: number, head: string, body: any }

/** Sends raw bytes on a fresh connection and reads the answer until the server closes it. */
async function send (port: number, bytes: Buffer | string): Promise<Answer> {
  return await new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    const pieces: Buffer[] = []
    socket.setTimeout(10_000, () => socket.destroy(new Error('no answer within 10 s')))
    socket.on('data', (piece) => pieces.push(piece))
    socket.on('error', reject)
    socket.on('close', () => {
      const text = Buffer.concat(pieces).toString('utf8')
      const split = text.indexOf('\r\n\r\n')
      const head = text.slice(0, split)
      let body: unknown = text.slice(split + 4)
      try { body = JSON.parse(body as string) } catch {}
      resolve({ status: Number(head.split(' ')[1]), head, body })
    })
    // write, not end: a half-closed connection would abort the request before a slow answer (Node's default)
    socket.write(typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes)
  })
}

const CHAT = '/api/v2/chat/completions'
const hi = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({ model: 'openai/gpt-4o', messages: [{ role: 'user', content: 'hi' }], ...extra })

test('bad input gets a clear 4xx { error, message }, and the gateway stays healthy', async (t) => {
  const gw = await gatewayWithMock(t, 'openai', { CHAT_BODY_LIMIT: String(1024 * 1024), BODY_LIMIT: String(64 * 1024) })
  gw.mock.respond(openAIMock.answer({ content: 'fine' }))
  await gw.app.listen({ host: '127.0.0.1', port: 0 })
  const { port } = gw.app.server.address() as { port: number }
  const auth = `Authorization: Bearer ${gw.key}\r\n`

  /** A POST with exactly these bytes as the body (a Buffer keeps invalid UTF-8 intact). */
  const post = (path: string, body: Buffer | string, headers = `${auth}Content-Type: application/json\r\n`): Buffer => {
    const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body
    return Buffer.concat([Buffer.from(`POST ${path} HTTP/1.1\r\nHost: gateway\r\n${headers}Content-Length: ${bytes.length}\r\nConnection: close\r\n\r\n`, 'latin1'), bytes])
  }
  const get = (path: string, headers = ''): string => `GET ${path} HTTP/1.1\r\nHost: gateway\r\n${headers}Connection: close\r\n\r\n`

  /** Asserts the status and the `{ error, message }` shape (message non-empty); returns the message. */
  const expect = async (name: string, request: Buffer | string, status: number, message?: RegExp): Promise<void> => {
    const answer = await send(port, request)
    t.equal(answer.status, status, `${name}: status`)
    t.same(Object.keys(answer.body ?? {}).sort(), ['error', 'message'], `${name}: { error, message }`)
    t.ok(typeof answer.body?.message === 'string' && answer.body.message.length > 0, `${name}: a message`)
    if (message !== undefined) t.match(answer.body?.message, message, `${name}: message`)
    t.match(answer.head, /content-type: application\/json/i, `${name}: JSON`)
  }

  t.test('size and syntax', async (t) => {
    await expect('body over CHAT_BODY_LIMIT', post(CHAT, JSON.stringify(hi({ pad: 'x'.repeat(1100 * 1024) }))), 413, /too large/)
    const chunked = `${auth}Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n`
    const big = 'x'.repeat(2 * 1024 * 1024)
    await expect('chunked body over the limit', `POST ${CHAT} HTTP/1.1\r\nHost: gateway\r\n${chunked}Connection: close\r\n\r\n${big.length.toString(16)}\r\n${big}\r\n0\r\n\r\n`, 413)
    await expect('invalid JSON', post(CHAT, '{"model": "openai/gpt-4o", "messages": ['), 400, /not valid JSON/)
    await expect('empty body', post(CHAT, ''), 400, /cannot be empty/)
    await expect('arrays nested 100 000 deep', post(CHAT, '['.repeat(100_000) + ']'.repeat(100_000)), 400)
    await expect('objects nested 10 000 deep', post(CHAT, '{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000)), 400, /nests deeper than/)
    // built as text: JSON.stringify itself overflows the stack on such a value
    const deepTool = `{"model":"openai/gpt-4o","messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":{"name":"f","parameters":${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}}}]}`
    await expect('nesting inside a field of the chat body', post(CHAT, deepTool), 400, /nests deeper than/)
    await expect('deep nesting on an admin route', post('/api/admin/access-keys', `{"name":${'['.repeat(20_000)}${']'.repeat(20_000)}}`, `Authorization: Bearer ${ADMIN_KEY}\r\nContent-Type: application/json\r\n`), 400, /nests deeper than/)
    const deepExtra = `{"input":{"prompt":"a cat","modelOptions":{"model":"openai/dall-e-3"},"extra":${'['.repeat(5000)}${']'.repeat(5000)}}}`
    await expect('deep nesting in a field a permissive schema lets through', post('/api/v2/image', deepExtra, `Authorization: Bearer ${ADMIN_KEY}\r\nContent-Type: application/json\r\n`), 400, /nests deeper than/)
    await expect('__proto__ key', post(CHAT, '{"__proto__":{"admin":true},"model":"openai/gpt-4o","messages":[{"role":"user","content":"hi"}]}'), 400, /forbidden "__proto__"/)
    await expect('constructor.prototype key', post(CHAT, '{"constructor":{"prototype":{"admin":true}},"model":"openai/gpt-4o","messages":[{"role":"user","content":"hi"}]}'), 400, /forbidden/)
    const before = gw.mock.requests.length
    const plain = await send(port, post(CHAT, JSON.stringify(hi({ constructor: 'x' }))))
    t.equal(plain.status, 200, 'a plain "constructor" field is data like any unknown field (passed through)')
    t.equal(gw.mock.requests[before]?.body.constructor, 'x')
  })

  t.test('encoding', async (t) => {
    const invalid = Buffer.concat([Buffer.from('{"model":"openai/gpt-4o","messages":[{"role":"user","content":"caf'), Buffer.from([0xc3, 0x28]), Buffer.from('"}]}')])
    await expect('invalid UTF-8', post(CHAT, invalid), 400, /not valid UTF-8/)
    const encodedSurrogate = Buffer.concat([Buffer.from('{"model":"openai/gpt-4o","messages":[{"role":"user","content":"'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('"}]}')])
    await expect('a surrogate encoded as UTF-8 bytes (CESU-8)', post(CHAT, encodedSurrogate), 400, /not valid UTF-8/)
    await expect('lone high surrogate escape', post(CHAT, '{"model":"openai/gpt-4o","messages":[{"role":"user","content":"a\\ud800b"}]}'), 400, /lone UTF-16 surrogate/)
    await expect('lone low surrogate escape in a key', post(CHAT, '{"model":"openai/gpt-4o","messages":[{"role":"user","content":"hi"}],"\\udc00":1}'), 400, /lone UTF-16 surrogate/)
    const before = gw.mock.requests.length
    const pair = await send(port, post(CHAT, '{"model":"openai/gpt-4o","messages":[{"role":"user","content":"smile \\ud83d\\ude00 and a literal \\\\ud800"}]}'))
    t.equal(pair.status, 200, 'a valid surrogate pair, and an escaped backslash before "ud800", are fine')
    t.equal(gw.mock.requests[before]?.body.messages[0].content, 'smile 😀 and a literal \\ud800')

    const admin = `Authorization: Bearer ${ADMIN_KEY}\r\nContent-Type: application/json\r\n`
    await expect('NUL in an admin body (Postgres text cannot hold it)', post('/api/admin/access-keys', '{"name":"ci\\u0000pipeline"}', admin), 400, /must not contain NUL/)
    await expect('NUL in a nested admin field', post('/api/admin/access-keys', '{"name":"ci","models":["openai/\\u0000"]}', admin), 400, /must not contain NUL/)
    await expect('NUL in a path', get('/api/admin/access-keys/%00', `Authorization: Bearer ${ADMIN_KEY}\r\n`), 400, /NUL/)
    await expect('NUL in a query', get('/api/admin/audit?action=a%00b', `Authorization: Bearer ${ADMIN_KEY}\r\n`), 400, /NUL/)
    const named = await send(port, post('/api/admin/access-keys', '{"name":"a literal \\\\u0000 is text"}', admin))
    t.equal(named.status, 201, 'an escaped backslash before "u0000" is not NUL')
    const nulChat = await send(port, post(CHAT, '{"model":"openai/gpt-4o","messages":[{"role":"user","content":"binary\\u0000paste"}]}'))
    t.equal(nulChat.status, 200, 'a chat message may carry NUL: it is passed on, not stored')
  })

  t.test('content type', async (t) => {
    const body = JSON.stringify(hi())
    await expect('text/plain', post(CHAT, body, `${auth}Content-Type: text/plain\r\n`), 415, /Content-Type: application\/json/)
    await expect('form encoded', post(CHAT, 'model=openai%2Fgpt-4o', `${auth}Content-Type: application/x-www-form-urlencoded\r\n`), 415)
    await expect('missing content type', post(CHAT, body, auth), 415)
    await expect('malformed content type', post(CHAT, body, `${auth}Content-Type: json\r\n`), 415)
    await expect('charset=latin1', post(CHAT, body, `${auth}Content-Type: application/json; charset=latin1\r\n`), 415, /must be UTF-8/)
    await expect('charset=utf-16', post(CHAT, body, `${auth}Content-Type: application/json; charset=utf-16\r\n`), 415)
    for (const type of ['application/json; charset=utf-8', 'application/json; charset=UTF-8', 'application/json;charset="utf-8"', 'Application/JSON']) {
      t.equal((await send(port, post(CHAT, body, `${auth}Content-Type: ${type}\r\n`))).status, 200, `${type} is accepted`)
    }
  })

  t.test('shape', async (t) => {
    await expect('an array where the body object belongs', post(CHAT, '[1,2]'), 400, /body/)
    await expect('null body', post(CHAT, 'null'), 400)
    await expect('a number body', post(CHAT, '42'), 400)
    await expect('messages as an object', post(CHAT, JSON.stringify({ model: 'openai/gpt-4o', messages: { role: 'user', content: 'hi' } })), 400, /messages/)
    await expect('max_tokens 1e300', post(CHAT, '{"model":"openai/gpt-4o","max_tokens":1e300,"messages":[{"role":"user","content":"hi"}]}'), 400, /max_tokens/)
    await expect('max_tokens beyond 2^53', post(CHAT, '{"model":"openai/gpt-4o","max_tokens":9007199254740993,"messages":[{"role":"user","content":"hi"}]}'), 400, /max_tokens/)
    await expect('max_tokens negative', post(CHAT, JSON.stringify(hi({ max_tokens: -1 }))), 400, /max_tokens/)
    await expect('ten thousand messages', post(CHAT, JSON.stringify({ model: 'openai/gpt-4o', messages: Array.from({ length: 10_000 }, () => ({ role: 'user', content: 'hi' })) })), 400, /1 to 4096 messages/)
    await expect('numeric content', post(CHAT, JSON.stringify({ model: 'openai/gpt-4o', messages: [{ role: 'user', content: 42 }] })), 400, /content/)
    await expect('object content', post(CHAT, JSON.stringify({ model: 'openai/gpt-4o', messages: [{ role: 'user', content: { text: 'hi' } }] })), 400, /content/)
    await expect('unknown role', post(CHAT, JSON.stringify({ model: 'openai/gpt-4o', messages: [{ role: 'wizard', content: 'hi' }] })), 400, /role/)
    await expect('model not a string', post(CHAT, JSON.stringify({ model: ['openai/gpt-4o'], messages: [{ role: 'user', content: 'hi' }] })), 400, /model/)

    const before = gw.mock.requests.length
    const duplicate = await send(port, post(CHAT, '{"model":"nosuch/model","model":"openai/gpt-4o","messages":[{"role":"user","content":"hi"}]}'))
    t.equal(duplicate.status, 200, 'duplicate keys: the last one wins, as JSON.parse decides')
    t.equal(gw.mock.requests[before]?.body.model, 'gpt-4o', 'and the provider sees exactly the value that was validated')
  })

  t.test('Authorization header variants', async (t) => {
    const body = JSON.stringify(hi())
    const json = 'Content-Type: application/json\r\n'
    const variants = [
      ['none', ''],
      ['empty', 'Authorization: \r\n'],
      ['scheme only', 'Authorization: Bearer\r\n'],
      ['two spaces', `Authorization: Bearer  ${gw.key}\r\n`],
      ['Basic scheme', 'Authorization: Basic dXNlcjpwYXNz\r\n'],
      ['a tab instead of the space', `Authorization: Bearer\t${gw.key}\r\n`],
      ['trailing junk', `Authorization: Bearer ${gw.key} extra\r\n`],
      ['unknown key', 'Authorization: Bearer hgk_not-a-real-key-0123456789abcdefghijklmnopq\r\n'],
      ['8 KiB token', `Authorization: Bearer ${'a'.repeat(8 * 1024)}\r\n`],
      ['latin-1 bytes', 'Authorization: Bearer \u00e9t\u00e9\r\n'],
      ['two Authorization headers', `Authorization: Bearer ${gw.key}\r\nAuthorization: Bearer ${gw.key}\r\n`]
    ]
    for (const [name = '', header] of variants) {
      const answer = await send(port, post(CHAT, body, `${header ?? ''}${json}`))
      t.equal(answer.status, 401, name)
      t.same(answer.body, UNAUTHORIZED, `${name}: the seed's exact body`)
    }
    t.equal((await send(port, post(CHAT, body, `authorization: bearer ${gw.key}\r\n${json}`))).status, 200, 'header name and scheme are case-insensitive')
  })

  t.test('HTTP framing (what Node\'s parser refuses)', async (t) => {
    await expect('bare CR in a header value', 'GET /health/live HTTP/1.1\r\nHost: gateway\r\nX-Note: a\rb\r\nConnection: close\r\n\r\n', 400, /header is malformed/)
    await expect('bare LF in a header value', 'GET /health/live HTTP/1.1\r\nHost: gateway\r\nX-Note: a\nb\r\nConnection: close\r\n\r\n', 400)
    await expect('NUL in a header value', 'GET /health/live HTTP/1.1\r\nHost: gateway\r\nX-Note: a\u0000b\r\nConnection: close\r\n\r\n', 400)
    await expect('obsolete line folding', 'GET /health/live HTTP/1.1\r\nHost: gateway\r\nX-Note: a\r\n b\r\nConnection: close\r\n\r\n', 400)
    await expect('space before the colon', 'GET /health/live HTTP/1.1\r\nHost: gateway\r\nX-Note : b\r\nConnection: close\r\n\r\n', 400)
    await expect('Content-Length and Transfer-Encoding together', `POST ${CHAT} HTTP/1.1\r\nHost: gateway\r\nContent-Type: application/json\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n0\r\n\r\n`, 400)
    await expect('two Content-Length headers', `POST ${CHAT} HTTP/1.1\r\nHost: gateway\r\nContent-Type: application/json\r\nContent-Length: 2\r\nContent-Length: 3\r\nConnection: close\r\n\r\n{}`, 400, /Content-Length/)
    await expect('Content-Length not a number', `POST ${CHAT} HTTP/1.1\r\nHost: gateway\r\nContent-Type: application/json\r\nContent-Length: abc\r\nConnection: close\r\n\r\n{}`, 400, /Content-Length/)
    await expect('unknown method', 'BREW /health/live HTTP/1.1\r\nHost: gateway\r\nConnection: close\r\n\r\n', 400)
    await expect('no Host header', 'GET /health/live HTTP/1.1\r\nConnection: close\r\n\r\n', 400, /Host header/)
    await expect('a 20 KiB URL', get(`/api/v2/${'a'.repeat(20 * 1024)}`), 431, /too large/)
    await expect('a 20 KiB header value', get('/health/live', `X-Note: ${'a'.repeat(20 * 1024)}\r\n`), 431, /too large/)
    await expect('a 300-character path parameter', get(`/api/admin/access-keys/${'a'.repeat(300)}`), 414)
    await expect('bad percent-encoding', get('/api/v2/%zz'), 400, /percent-encoding/)
    await expect('an 8 KiB URL under /api without a key', get(`/api/v2/${'a'.repeat(8 * 1024)}`), 401)
    await expect('an 8 KiB URL elsewhere', get(`/${'a'.repeat(8 * 1024)}`), 404)
  })

  t.test('the gateway is still healthy afterwards', async (t) => {
    const ready = await send(port, get('/health/ready'))
    t.equal(ready.status, 200)
    t.same(ready.body, { status: 'ok', breakers: { closed: 1, halfOpen: 0, open: 0 } })
    const before = gw.mock.requests.length
    t.equal((await send(port, post(CHAT, JSON.stringify(hi())))).status, 200, 'and a normal call is served')
    t.equal(gw.mock.requests.length, before + 1)
  })
})
