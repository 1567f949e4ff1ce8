import { midStreamError, transportError, type StreamedBody } from './http.js'
import { SseParser, StreamFramingError, type SseEvent, type StreamParser } from './sse.js'
import type { ChunkFlow, ChunkSink, ChunkStream, MeteredChunk, StreamDecoder, UpstreamCall } from './types.js'

/** What may still arrive after a provider's end marker before its body ends; more than that is not an answer. */
const MAX_TRAILING_BYTES = 64 * 1024

/**
 * A streamed upstream answer as chunks: each piece of the body is parsed (SSE, or `parser`'s framing), decoded (the provider's format →
 * OpenAI chunks) and handed to the sink in the socket parser's own callback, then flushed once. Failures reading the
 * body are mapped like transportError; a decoder's error ends the stream with it.
 *
 * After the end marker (`data: [DONE]`, `message_stop`) usually only the body's last bytes and its end are in
 * flight: they are read and dropped, so the connection goes back to the pool instead of being torn down. A
 * cancelled stream (the client went away) destroys the body, which stops the upstream request.
 */
export function decodedStream<C extends MeteredChunk> (
  body: StreamedBody, call: UpstreamCall, decoder: StreamDecoder<C>, parser: StreamParser = new SseParser()
): ChunkStream<C> {
  return {
    start (sink: ChunkSink<C>): ChunkFlow {
      const emit = (chunk: C): void => { sink.chunk(chunk) }
      let done = false
      let trailing = 0
      const finish = (err?: unknown): void => {
        done = true
        if (err !== undefined || call.signal.aborted) body.destroy()
        // complete: what is left of the body is drained whatever the consumer paused (a paused body would hold its
        // connection, with no idle timeout, for ever)
        else body.resume()
        sink.end(err)
      }
      /** Decodes `events`: undefined while the answer goes on, else how it ended (null: complete). */
      const decode = (events: SseEvent[], atEnd: boolean): unknown => {
        try {
          for (const event of events) if (decoder.event(event, emit)) return null
          if (atEnd) decoder.end(emit)
        } catch (err) {
          return err
        }
        return atEnd ? null : undefined
      }
      /**
       * One piece of the body (undefined: its end) decoded and flushed. A consumer's failure must not escape a body
       * event (it would crash the process): it ends the stream.
       */
      const step = (piece: Buffer | undefined): void => {
        try {
          const atEnd = piece === undefined
          const outcome = decode(atEnd ? parser.end() : parser.push(piece), atEnd)
          sink.flush()
          if (outcome !== undefined) finish(outcome ?? undefined)
        } catch (err) {
          if (done) body.destroy()
          else finish(err instanceof StreamFramingError ? midStreamError(call, err.message) : err)
        }
      }
      body.listen({
        data (piece) {
          if (!done) {
            step(piece)
            return
          }
          trailing += piece.length
          if (trailing > MAX_TRAILING_BYTES) body.destroy()
        },
        end () { if (!done) step(undefined) },
        error (err) {
          // after the end: the idle timeout or a reset of a body nobody waits for any more
          if (!done) finish(transportError(err, call))
        }
      })
      return {
        pause: () => { if (!done) body.pause() },
        resume: () => { if (!done) body.resume() },
        cancel: () => {
          done = true
          body.destroy()
        }
      }
    }
  }
}
