import type { ServerResponse } from 'node:http'
import { test } from 'tap'
import { openAIChunks, openAIMock } from '../../helpers/mock-openai.js'
import { bearer } from '../../helpers/build.js'
import { gatewayWithMock, sseData, type Gateway } from '../../helpers/gateway.js'

/**
 * A stream that stops at the provider's end marker ([DONE]) does not wait for the upstream body to end, and
 * does not tear the upstream connection down either: the last bytes are drained and the connection is reused.
 * Trailing output beyond a bound after the end marker is not drained forever: that connection is dropped.
 */
const streamed = JSON.stringify({ model: 'openai/gpt-4o', stream: true, messages: [{ role: 'user', content: 'Hello' }] })

/** A streamed call over real HTTP (the client's connection closing is what tells the gateway an answer is over). */
async function streamOverHttp (gw: Gateway): Promise<{ status: number, body: string }> {
  const address = gw.app.server.address()
  if (address === null || typeof address === 'string') await gw.app.listen({ host: '127.0.0.1', port: 0 })
  const { port } = gw.app.server.address() as { port: number }
  const res = await fetch(`http://127.0.0.1:${port}/api/v2/chat/completions`, {
    method: 'POST', headers: { ...bearer(gw.key), 'content-type': 'application/json' }, body: streamed
  })
  return { status: res.status, body: await res.text() }
}

/** Sends a whole answer ending with [DONE], then `after` before ending the response once the test says so. */
function doneThenLinger (ports: number[], after: (res: ServerResponse) => Promise<void>): (req: unknown, res: ServerResponse) => Promise<void> {
  return async (_req, res) => {
    ports.push(res.socket?.remotePort ?? -1)
    res.writeHead(200, { 'content-type': 'text/event-stream' })
    for (const data of [...openAIChunks({ content: 'one two' }, true), '[DONE]']) res.write(`data: ${data}\n\n`)
    await after(res)
    if (!res.destroyed) res.end()
  }
}

test('after [DONE] the client gets its end at once; the upstream connection is drained and reused', async (t) => {
  const gw = await gatewayWithMock(t, 'openai')
  const ports: number[] = []
  let release!: () => void
  const lingering = new Promise<void>((resolve) => { release = resolve })
  let upstreamEnded = false
  gw.mock.respond(
    doneThenLinger(ports, async () => { await lingering; upstreamEnded = true }),
    async (req, res) => { ports.push(res.socket?.remotePort ?? -1); await openAIMock.answer({ content: 'again' })(req, res) }
  )
  const first = await streamOverHttp(gw)
  t.equal(first.status, 200)
  t.equal(sseData(first.body).at(-1), '[DONE]', 'the client got the whole stream')
  t.notOk(upstreamEnded, 'while the upstream had not ended its body yet')
  release()
  await new Promise((resolve) => setTimeout(resolve, 50))
  const second = await streamOverHttp(gw)
  t.equal(second.status, 200)
  t.equal(ports.length, 2)
  t.equal(ports[1], ports[0], 'the second call went over the same upstream connection')
  t.equal(gw.usage.length, 2, 'both calls metered')
})

test('output that goes on after [DONE] is drained only so far: then that connection is dropped', async (t) => {
  const gw = await gatewayWithMock(t, 'openai')
  const ports: number[] = []
  const junk = `: ${'x'.repeat(16 * 1024)}\n\n`
  gw.mock.respond(
    doneThenLinger(ports, async (res) => {
      // a comment line after the end marker, again and again, until the gateway hangs up
      while (!res.destroyed) await new Promise((resolve) => res.write(junk, resolve))
    }),
    async (req, res) => { ports.push(res.socket?.remotePort ?? -1); await openAIMock.answer({ content: 'again' })(req, res) }
  )
  const first = await streamOverHttp(gw)
  t.equal(first.status, 200)
  t.equal(sseData(first.body).at(-1), '[DONE]', 'the client got the whole stream')
  await gw.mock.abandoned()
  const second = await streamOverHttp(gw)
  t.equal(second.status, 200)
  t.not(ports[1], ports[0], 'the endless upstream connection was not kept')
})
