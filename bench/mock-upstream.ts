import { createServer } from 'node:http'
import { LONG_STREAM_MARKER } from './targets.js'

/**
 * Benchmark upstream: an OpenAI-compatible /v1/chat/completions with a fixed small latency, or a stream of
 * CHUNKS chunks at a fixed pacing. Prints "LISTENING <port>" once ready.
 */
const LATENCY_MS = Number(process.env.MOCK_LATENCY_MS ?? 2)
const CHUNKS = Number(process.env.MOCK_CHUNKS ?? 20)
const PACING_MS = Number(process.env.MOCK_PACING_MS ?? 5)
/** A prompt holding LONG_STREAM_MARKER gets LONG_CHUNKS chunks LONG_PACING_MS apart (5 s): the long-stream scenario. */
const LONG_CHUNKS = 50
const LONG_PACING_MS = 100

const completion = JSON.stringify({
  id: 'chatcmpl-bench',
  object: 'chat.completion',
  created: 1_700_000_000,
  model: 'gpt-bench',
  choices: [{ index: 0, message: { role: 'assistant', content: 'Hello from the benchmark upstream.' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 12, completion_tokens: 8, total_tokens: 20 }
})

const usageChunkOf = (chunks: number): string => `data: ${JSON.stringify({ id: 'chatcmpl-bench', object: 'chat.completion.chunk', created: 1_700_000_000, model: 'gpt-bench', choices: [], usage: { prompt_tokens: 12, completion_tokens: chunks, total_tokens: 12 + chunks } })}\n\n`

function chunk (delta: Record<string, unknown>, finish: string | null = null): string {
  return `data: ${JSON.stringify({ id: 'chatcmpl-bench', object: 'chat.completion.chunk', created: 1_700_000_000, model: 'gpt-bench', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`
}

const server = createServer((req, res) => {
  let body = ''
  req.setEncoding('utf8')
  req.on('data', (c: string) => { body += c })
  req.on('end', () => {
    if (req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"object":"list","data":[]}')
      return
    }
    const streamed = body.includes('"stream":true')
    if (!streamed) {
      setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end(completion), LATENCY_MS)
      return
    }
    const long = body.includes(LONG_STREAM_MARKER)
    const chunks = long ? LONG_CHUNKS : CHUNKS
    const pacing = long ? LONG_PACING_MS : PACING_MS
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' })
    let sent = 0
    const tick = (): void => {
      if (res.destroyed) return
      if (sent < chunks) {
        res.write(chunk(sent === 0 ? { role: 'assistant', content: 'tok ' } : { content: 'tok ' }, sent === chunks - 1 ? 'stop' : null))
        sent++
        setTimeout(tick, pacing)
      } else {
        res.end(usageChunkOf(chunks) + 'data: [DONE]\n\n')
      }
    }
    setTimeout(tick, LATENCY_MS)
  })
})
server.keepAliveTimeout = 120_000
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  process.stdout.write(`LISTENING ${(server.address() as { port: number }).port}\n`)
})
