import { Readable } from 'node:stream'
import type { FastifyReply } from 'fastify'
import type { ChatChunk, ChunkFlow, ChunkStream, MeteredChunk } from './types.js'

/** How one client family's stream looks on the wire (OpenAI SSE, AIGNE SSE, AI Kit SSE or plain text). */
export interface StreamFormat<C extends MeteredChunk = ChatChunk> {
  /** Sent as soon as the stream starts, before any chunk ('' for nothing). */
  open: () => string
  /** What a chunk becomes ('' for nothing). */
  chunk: (chunk: C) => string
  /** Sent once the answer is complete. */
  close: () => string
  /** Sent when the answer failed after it started; the stream ends after it. */
  fail: (err: unknown) => string
}

/**
 * The response body of a streamed answer: `stream` is started at once, each upstream piece's chunks are formatted
 * and pushed as one write, and the client's backpressure pauses the upstream. When the client goes away (Fastify
 * destroys the body) the upstream is cancelled.
 */
export function streamBody<C extends MeteredChunk> (stream: ChunkStream<C>, format: StreamFormat<C>): Readable {
  let flow: ChunkFlow | undefined
  let ended = false
  let pending = ''
  const body = new Readable({
    read () { flow?.resume() },
    destroy (err, callback) {
      if (!ended) flow?.cancel()
      ended = true
      callback(err)
    }
  })
  const send = (): void => {
    if (pending === '' || ended) return
    const text = pending
    pending = ''
    if (!body.push(text)) flow?.pause()
  }
  pending = format.open()
  send()
  flow = stream.start({
    chunk (chunk) { pending += format.chunk(chunk) },
    flush: send,
    end (err) {
      if (ended) return
      let last: string
      try {
        last = err === undefined ? format.close() : format.fail(err)
      } catch (formatErr) {
        last = format.fail(formatErr)
      }
      pending += last
      send()
      ended = true
      body.push(null)
    }
  })
  return body
}

/** Sends a streamed answer in `format`: no caching, and proxies such as nginx must not hold it back. */
export async function sendEventStream<C extends MeteredChunk> (reply: FastifyReply, chunks: ChunkStream<C>, format: StreamFormat<C>, type = 'text/event-stream; charset=utf-8'): Promise<FastifyReply> {
  return await reply
    .type(type)
    .header('cache-control', 'no-cache')
    .header('x-accel-buffering', 'no')
    // the typed reply only knows the documented JSON shapes; a stream is a valid payload all the same
    .send(streamBody(chunks, format) as never)
}
