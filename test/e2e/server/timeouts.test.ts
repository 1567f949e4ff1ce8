import { connect } from 'node:net'
import { test } from 'tap'
import { build } from '../../helpers/build.js'

/** Opens a raw connection, sends `head` and then one header byte every 200 ms, resolving with what the server did. */
function slowClient (port: number, head: string, limitMs: number): Promise<{ answer: string, closed: boolean }> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    let answer = ''
    const drip = setInterval(() => socket.write('a'), 200)
    const giveUp = setTimeout(() => finish(false), limitMs)
    function finish (closed: boolean): void {
      clearInterval(drip)
      clearTimeout(giveUp)
      socket.destroy()
      resolve({ answer, closed })
    }
    socket.on('connect', () => socket.write(head))
    socket.on('data', (chunk) => { answer += chunk.toString() })
    socket.on('close', () => finish(true))
    socket.on('error', () => finish(true))
  })
}

test('a slowloris client trickling headers is cut off after HEADERS_TIMEOUT_MS', async (t) => {
  const app = await build(t, { HEADERS_TIMEOUT_MS: '500', REQUEST_TIMEOUT_MS: '1000' })
  await app.listen({ host: '127.0.0.1', port: 0 })
  const { port } = app.server.address() as { port: number }
  const { answer, closed } = await slowClient(port, 'GET /health/live HTTP/1.1\r\nHost: x\r\nX-Slow: ', 10_000)
  t.ok(closed, 'the server closed the connection')
  t.match(answer, /^HTTP\/1\.1 408/, 'with 408 Request Timeout')
  // the server is still healthy for everyone else
  const ok = await fetch(`http://127.0.0.1:${port}/health/live`)
  t.equal(ok.status, 200)
})

test('a client trickling its body is cut off after REQUEST_TIMEOUT_MS', async (t) => {
  const app = await build(t, { HEADERS_TIMEOUT_MS: '300', REQUEST_TIMEOUT_MS: '800' })
  await app.listen({ host: '127.0.0.1', port: 0 })
  const { port } = app.server.address() as { port: number }
  const head = 'POST /api/admin/access-keys HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"name":"'
  const { closed } = await slowClient(port, head, 10_000)
  t.ok(closed, 'the server closed the connection')
})

test('config refuses HEADERS_TIMEOUT_MS not below REQUEST_TIMEOUT_MS', async (t) => {
  await t.rejects(build(t, { HEADERS_TIMEOUT_MS: '5000', REQUEST_TIMEOUT_MS: '5000' }), /HEADERS_TIMEOUT_MS must be below REQUEST_TIMEOUT_MS/)
})
