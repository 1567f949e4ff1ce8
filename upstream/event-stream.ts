import { EventStreamCodec, type Message } from '@smithy/eventstream-codec'
import { fromUtf8, toUtf8 } from '@smithy/util-utf8'
import { sizeText } from './http.js'
import { StreamFramingError, type SseEvent, type StreamParser } from './sse.js'

/** AWS caps an event stream message at 16 MB (prelude, headers and payload); a frame announcing more is refused unread. */
export const MAX_FRAME_BYTES = 16 * 2 ** 20
/** Prelude (total and header lengths, their CRC) plus the message CRC: the smallest frame there is. */
const MIN_FRAME_BYTES = 16

const codec = new EventStreamCodec(toUtf8, fromUtf8)

/**
 * AWS's binary event stream (application/vnd.amazon.eventstream: length-prefixed frames with typed headers and two
 * CRC32s, which the codec checks) read from a body fed in arbitrary pieces, each frame given as an event:
 * - `:message-type` event: named by its `:event-type` (messageStart, contentBlockDelta, …), data the payload;
 * - exception: named by its `:exception-type` (throttlingException, …), data the payload (`{"message":…}`);
 * - error: named "error", data `{"code","message"}` from the `:error-code` / `:error-message` headers.
 */
export class EventStreamParser implements StreamParser {
  private pending: Buffer[] = []
  private pendingBytes = 0
  /** Length of the frame being read, once its prelude arrived. */
  private frameBytes: number | undefined

  push (piece: Buffer): SseEvent[] {
    this.pending.push(piece)
    this.pendingBytes += piece.length
    const events: SseEvent[] = []
    for (;;) {
      if (this.frameBytes === undefined) {
        if (this.pendingBytes < 4) break
        this.frameBytes = this.frameLength()
      }
      if (this.pendingBytes < this.frameBytes) break
      const frame = this.splitOff(this.frameBytes)
      this.frameBytes = undefined
      let message: Message
      try {
        message = codec.decode(frame)
      } catch (err) {
        throw new StreamFramingError(`a corrupt event stream frame (${(err as Error).message})`)
      }
      events.push(eventOf(message))
    }
    return events
  }

  end (): SseEvent[] {
    // the bytes of a frame cut short are no event: the decoder then sees the stream end without its end marker
    return []
  }

  /** The announced length of the next frame, checked before any of it is buffered further. */
  private frameLength (): number {
    if ((this.pending[0] as Buffer).length < 4) this.pending = [Buffer.concat(this.pending)]
    const length = (this.pending[0] as Buffer).readUInt32BE(0)
    if (length < MIN_FRAME_BYTES) throw new StreamFramingError('a malformed event stream frame')
    if (length > MAX_FRAME_BYTES) throw new StreamFramingError(`an event stream frame larger than ${sizeText(MAX_FRAME_BYTES)}`)
    return length
  }

  /** The first n buffered bytes (joined once per frame), removed from the buffer. */
  private splitOff (n: number): Buffer {
    const joined = this.pending.length === 1 ? this.pending[0] as Buffer : Buffer.concat(this.pending)
    const rest = joined.subarray(n)
    this.pending = rest.length > 0 ? [rest] : []
    this.pendingBytes = rest.length
    return joined.subarray(0, n)
  }
}

function header (message: Message, name: string): string | undefined {
  const value = message.headers[name]
  return value?.type === 'string' ? value.value : undefined
}

function eventOf (message: Message): SseEvent {
  const type = header(message, ':message-type')
  if (type === 'error') {
    return { event: 'error', data: JSON.stringify({ code: header(message, ':error-code') ?? '', message: header(message, ':error-message') ?? '' }) }
  }
  const name = type === 'exception' ? header(message, ':exception-type') : header(message, ':event-type')
  return { event: name, data: toUtf8(message.body) }
}
