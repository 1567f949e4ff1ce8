import { request, type IncomingMessage } from 'node:http'
import { test } from 'tap'
import { bearer } from '../../helpers/build.js'
import { gatewayWithMock, sseData } from '../../helpers/gateway.js'

/**
 * A key holder who asks for a stream and then does not read it must not make the gateway hold the provider's whole
 * answer in memory: the client's backpressure reaches the provider (the gateway stops reading it), and the answer
 * goes on, intact, once the client reads again. Over real HTTP: only sockets that fill up show it.
 */
const EVENT_TEXT = 'x'.repeat(16 * 1024)
/** 64 MB of events: far beyond every socket buffer between the three processes' sockets. */
const EVENTS = 4096
const TOTAL_BYTES = EVENTS * EVENT_TEXT.length

const wait = async (ms: number): Promise<void> => { await new Promise((resolve) => setTimeout(resolve, ms)) }

test('a client that stops reading holds the provider back; reading again gets the whole answer', async (t) => {
  const gw = await gatewayWithMock(t, 'openai')
  let sent = 0
  let finished = false
  const ports: number[] = []
  gw.mock.respond(async (_req, res) => {
    ports.push(res.socket?.remotePort ?? -1)
    res.writeHead(200, { 'content-type': 'text/event-stream' })
    const chunk = (delta: Record<string, unknown>, finish: string | null = null): string =>
      `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`
    for (let i = 0; i < EVENTS && !res.destroyed; i++) {
      // a provider that writes as fast as its socket takes it
      if (!res.write(chunk({ content: EVENT_TEXT }))) await new Promise((resolve) => res.once('drain', resolve))
      sent += EVENT_TEXT.length
    }
    res.end(chunk({}, 'stop') + `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o', choices: [], usage: { prompt_tokens: 1, completion_tokens: EVENTS, total_tokens: EVENTS + 1 } })}\n\ndata: [DONE]\n\n`)
    finished = true
  })
  await gw.app.listen({ host: '127.0.0.1', port: 0 })
  const { port } = gw.app.server.address() as { port: number }

  const response = await new Promise<IncomingMessage>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/api/v2/chat/completions', headers: { ...bearer(gw.key), 'content-type': 'application/json' } }, resolve)
    req.on('error', reject)
    req.end(JSON.stringify({ model: 'openai/gpt-4o', stream: true, messages: [{ role: 'user', content: 'Hello' }] }))
  })
  t.equal(response.statusCode, 200)
  response.pause()
  t.teardown(() => { response.destroy() })

  // the provider writes until every buffer on the way is full, then waits: its count stops growing
  let before = -1
  for (let i = 0; i < 100 && sent !== before; i++) {
    before = sent
    await wait(250)
  }
  t.equal(sent, before, 'the provider is held back while the client does not read')
  t.notOk(finished, 'it has not sent its whole answer')
  t.ok(sent < TOTAL_BYTES, `held at ${Math.round(sent / 2 ** 20)} MB of ${TOTAL_BYTES / 2 ** 20} MB`)

  let body = ''
  response.setEncoding('utf8')
  response.on('data', (piece: string) => { body += piece })
  const ended = new Promise((resolve) => response.once('end', resolve))
  response.resume()
  await ended
  const events = sseData(body)
  t.equal(events.at(-1), '[DONE]', 'the answer arrived whole once the client read again')
  t.equal(events.filter((data) => data.includes(EVENT_TEXT)).length, EVENTS, 'every event, none lost or doubled')
  while (gw.usage.length === 0) await wait(10)
  t.match(gw.usage, [{ status: 200, completionTokens: EVENTS }], 'metered once, from the provider\'s usage')

  // the provider's connection was read to its end after the held-back stream, not left paused: the next call reuses it
  gw.mock.respond(async (_req, res) => {
    ports.push(res.socket?.remotePort ?? -1)
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: 'c2', object: 'chat.completion', created: 1, model: 'gpt-4o', choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }], usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } }))
  })
  const next = await fetch(`http://127.0.0.1:${port}/api/v2/chat/completions`, {
    method: 'POST', headers: { ...bearer(gw.key), 'content-type': 'application/json' }, body: JSON.stringify({ model: 'openai/gpt-4o', messages: [{ role: 'user', content: 'Hi' }] })
  })
  t.equal(next.status, 200)
  t.equal(ports[1], ports[0], 'the next call went over the same provider connection')
})
