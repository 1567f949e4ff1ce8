import { EventEmitter } from 'node:events'
import type { Writable } from 'node:stream'
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

/** What a body may hold while nobody writes it out (before Fastify pipes it, or while the client is slow) before the upstream is paused. */
const HIGH_WATER_MARK = 16 * 1024

/**
 * The response body of a streamed answer: `stream` is started at once, each upstream piece's chunks are formatted
 * and written to the response as one write, and the client's backpressure (a write answering false, until 'drain')
 * pauses the upstream. When the client goes away (Fastify destroys the body) the upstream is cancelled.
 *
 * It is a classic stream, the smallest thing Fastify's reply.send and Node's stream.finished take for one: pipe(),
 * events ('end' once the answer is written, 'close'), destroy(). A Readable in between cost a Buffer copy, its
 * pipe's listeners and a nextTick per piece, which was a measurable share of a stream's CPU.
 */
export class StreamBody<C extends MeteredChunk> extends EventEmitter {
  private out: Writable | undefined
  private pending: string
  private flow: ChunkFlow | undefined
  /** The answer is complete: its last text is in `pending` or written. */
  private complete = false
  private closed = false
  private paused = false
  private endOut = true
  private readonly onDrain = (): void => { this.unpause() }

  constructor (stream: ChunkStream<C>, private readonly format: StreamFormat<C>) {
    super()
    this.pending = format.open()
    this.flow = stream.start({
      chunk: (chunk) => { this.pending += format.chunk(chunk) },
      flush: () => { this.send() },
      end: (err) => { this.end(err) }
    })
    // start() may already hand over chunks (and even end): a pause asked for meanwhile reaches the flow now; what
    // came is written out at pipe()
    if (this.paused) this.flow.pause()
  }

  /** As Readable.pipe: `{ end: false }` leaves the response open when the answer is complete (Fastify's trailers). */
  pipe<W extends Writable> (out: W, options?: { end?: boolean }): W {
    this.out = out
    this.endOut = options?.end !== false
    this.unpause()
    this.send()
    if (this.complete) this.finish()
    return out
  }

  destroy (): void {
    if (this.closed) return
    this.closed = true
    if (!this.complete) this.flow?.cancel()
    this.out?.removeListener('drain', this.onDrain)
    this.emit('close')
  }

  private send (): void {
    if (this.pending === '' || this.closed) return
    if (this.out === undefined) {
      if (this.pending.length > HIGH_WATER_MARK) this.pause()
      return
    }
    const text = this.pending
    this.pending = ''
    if (!this.out.write(text) && !this.complete) {
      this.pause()
      this.out.once('drain', this.onDrain)
    }
  }

  private end (err: unknown): void {
    if (this.complete || this.closed) return
    let last: string
    try {
      last = err === undefined ? this.format.close() : this.format.fail(err)
    } catch (formatErr) {
      last = this.format.fail(formatErr)
    }
    this.pending += last
    this.complete = true
    if (this.out !== undefined) this.finish()
  }

  /** Writes what is left and ends the response. */
  private finish (): void {
    this.send()
    this.closed = true
    this.out?.removeListener('drain', this.onDrain)
    if (this.endOut) this.out?.end()
    this.emit('end')
    this.emit('close')
  }

  private pause (): void {
    if (this.paused) return
    this.paused = true
    this.flow?.pause()
  }

  private unpause (): void {
    if (!this.paused) return
    this.paused = false
    this.flow?.resume()
  }
}

/** Sends a streamed answer in `format`: no caching, and proxies such as nginx must not hold it back. */
export async function sendEventStream<C extends MeteredChunk> (reply: FastifyReply, chunks: ChunkStream<C>, format: StreamFormat<C>, type = 'text/event-stream; charset=utf-8'): Promise<FastifyReply> {
  return await reply
    .type(type)
    .header('cache-control', 'no-cache')
    .header('x-accel-buffering', 'no')
    // the typed reply only knows the documented JSON shapes; a stream is a valid payload all the same
    .send(new StreamBody(chunks, format) as never)
}
