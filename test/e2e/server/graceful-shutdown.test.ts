import { connect } from 'node:net'
import { test } from 'tap'
import { request } from 'undici'
import { ADMIN_KEY, tempDir } from '../../helpers/build.js'
import { openAIChunks } from '../../helpers/mock-openai.js'
import { startMock } from '../../helpers/mock-server.js'
import { finished, startTs, waitForOutput } from '../../helpers/run-ts.js'
import { sseChunks, streamedText } from '../../helpers/gateway.js'

const GRACE_MS = 20_000
const STREAMS = 3

/** Resolves when `port` refuses connections (polled), or rejects after `limitMs`. */
async function refusedWithin (port: number, limitMs: number): Promise<void> {
  const until = Date.now() + limitMs
  while (Date.now() < until) {
    const refused = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1')
      socket.on('connect', () => { socket.destroy(); resolve(false) })
      socket.on('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED'))
    })
    if (refused) return
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`port ${port} still accepted connections after ${limitMs} ms`)
}

/**
 * A request whose first bytes are already sent: the connection counts as busy, so shutdown does not
 * close it as idle, and the rest can be sent once the gateway is draining. `sent` resolves when the
 * bytes are on their way (handed to the kernel).
 */
function startedRequest (port: number, head: string): { sent: Promise<void>, finish: () => Promise<string> } {
  const socket = connect(port, '127.0.0.1')
  let answer = ''
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()))
  socket.on('data', (piece: Buffer) => { answer += piece.toString('utf8') })
  socket.on('error', () => {})
  const sent = new Promise<void>((resolve) => socket.write(head, () => resolve()))
  return {
    sent,
    finish: async () => {
      socket.write('Connection: close\r\n\r\n')
      await closed
      return answer
    }
  }
}

test('SIGTERM with open streams: readiness fails, the streams finish with [DONE], new connections are refused, exit 0', async (t) => {
  // the provider streams the first chunk at once and the rest only when the test says so (slowly)
  const mock = await startMock(t, '/v1')
  let release: () => void = () => {}
  const released = new Promise<void>((resolve) => { release = resolve })
  const chunks = openAIChunks({ content: 'a slow answer, piece by piece' }, true, 6).map((data) => `data: ${data}\n\n`)
  mock.respond(async (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' })
    res.write(chunks[0])
    await released
    for (const chunk of chunks.slice(1)) {
      res.write(chunk)
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    res.end('data: [DONE]\n\n')
  })

  const child = startTs('server.ts', [], {
    PORT: '0',
    DATA_DIR: tempDir(t),
    ADMIN_KEY,
    LOG_LEVEL: 'info',
    OPENAI_API_KEY: 'sk-test-provider-openai-0123456789',
    OPENAI_BASE_URL: mock.url,
    SHUTDOWN_GRACE_MS: String(GRACE_MS)
  })
  t.teardown(() => { child.kill('SIGKILL') })
  const [, origin = ''] = await waitForOutput(child, /Server listening at (http:\/\/127\.0\.0\.1:\d+)/, 120_000)
  const port = Number(new URL(origin).port)

  const streams = await Promise.all(Array.from({ length: STREAMS }, async () => {
    const res = await request(`${origin}/api/v2/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'openai/gpt-4o', stream: true, messages: [{ role: 'user', content: 'hi' }] })
    })
    t.equal(res.statusCode, 200)
    const pieces = res.body[Symbol.asyncIterator]()
    const first = await pieces.next() // the stream is open and relaying
    return { text: String(first.value), pieces }
  }))
  t.equal(mock.requests.length, STREAMS, 'three streams open')

  const readiness = startedRequest(port, 'GET /health/ready HTTP/1.1\r\nHost: gateway\r\n')
  await readiness.sent
  // a request sent later and answered proves the server has read those first bytes (no sleep needed)
  t.equal((await request(`${origin}/health/live`)).statusCode, 200)
  // exit must come within the grace period: past it the child is killed and the exit code is null
  const exited = finished(child, GRACE_MS)
  child.kill('SIGTERM')
  await waitForOutput(child, /shutting down: draining in-flight requests/)
  t.match(await readiness.finish(), /^HTTP\/1\.1 503 /, 'readiness fails while draining')
  await refusedWithin(port, 10_000)
  t.pass('new connections are refused while the streams are still open')

  release()
  for (const stream of streams) {
    for (let next = await stream.pieces.next(); next.done !== true; next = await stream.pieces.next()) stream.text += String(next.value)
    t.match(stream.text, /data: \[DONE\]\n\n$/, 'the stream completed')
    t.equal(streamedText(sseChunks(stream.text)), 'a slow answer, piece by piece', 'with every piece')
  }
  const { code, stdout } = await exited
  t.equal(code, 0, 'the process exited by itself, with 0, within the grace period')
  t.match(stdout, /shutdown complete/)
})
