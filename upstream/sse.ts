import { StringDecoder } from 'node:string_decoder'
import { sizeText } from './http.js'
import type { StreamFormat } from './stream-body.js'

/** One server-sent event: the `event:` name (undefined for unnamed events) and its joined `data:` lines. */
export interface SseEvent {
  event: string | undefined
  data: string
}

const END_OF_LINE = /\r\n|\r|\n/g

/** Larger than any real event (an image's partial as base64 is a few MB): a stream that goes past it is refused, not buffered. */
export const MAX_EVENT_CHARS = 32 * 2 ** 20

/** An upstream stream whose framing cannot be read (an event too large, a corrupt binary frame): a provider failure. */
export class StreamFramingError extends Error {}

/** An upstream event (or line) beyond MAX_EVENT_CHARS. */
export class SseEventTooLargeError extends StreamFramingError {
  constructor (limit: number) {
    super(`an event larger than ${sizeText(limit)}`)
  }
}

/** Splits a streamed body into events, fed its pieces as they come (SSE here; AWS's binary event stream in upstream/event-stream.ts). */
export interface StreamParser {
  /** The events completed by `piece`; throws a StreamFramingError for a stream it cannot read. */
  push: (piece: Buffer) => SseEvent[]
  /** The events left when the body ends. */
  end: () => SseEvent[]
}

/**
 * A text/event-stream parser (WHATWG HTML §9.2) fed the body in arbitrary pieces: lines and UTF-8 characters may
 * be split anywhere. Comments and id/retry fields are skipped. Synchronous, so a reader that already loops over
 * the body (upstream/decoded-stream.ts, in the body's 'data' callback) needs no async layer per piece.
 */
export class SseParser implements StreamParser {
  // StringDecoder, not TextDecoder: the same UTF-8 decoding (characters split across pieces, U+FFFD for invalid bytes)
  // at about a third of the cost per piece, which is per streamed chunk; only the stream's leading BOM is ours to drop
  private readonly decoder = new StringDecoder('utf8')
  /** Nothing decoded yet: a byte order mark may still come first. */
  private atStart = true
  private buffer = ''
  /** Where the search for the next line end resumes: what is before it holds none (a long line is not rescanned). */
  private scanFrom = 0
  private data: string[] = []
  /** Characters in `data`, so an endless event is noticed without joining it. */
  private dataChars = 0
  private event: string | undefined

  constructor (private readonly maxEventChars = MAX_EVENT_CHARS) {}

  /** The events completed by `piece`. Throws SseEventTooLargeError once the event being read outgrows the limit. */
  push (piece: Uint8Array | string): SseEvent[] {
    this.buffer += typeof piece === 'string' ? piece : this.decoded(this.decoder.write(piece))
    const done: SseEvent[] = []
    let start = 0
    let waitForLf = false
    END_OF_LINE.lastIndex = this.scanFrom
    for (let m = END_OF_LINE.exec(this.buffer); m !== null; m = END_OF_LINE.exec(this.buffer)) {
      // a lone CR at the end may be the first half of CRLF: wait for the next piece
      if (m[0] === '\r' && m.index === this.buffer.length - 1) {
        waitForLf = true
        break
      }
      this.takeLine(this.buffer.slice(start, m.index), done)
      start = m.index + m[0].length
    }
    this.buffer = this.buffer.slice(start)
    this.scanFrom = waitForLf ? this.buffer.length - 1 : this.buffer.length
    if (this.buffer.length + this.dataChars > this.maxEventChars) throw new SseEventTooLargeError(this.maxEventChars)
    return done
  }

  /** The events left when the body ends: an event still open is delivered rather than dropped. */
  end (): SseEvent[] {
    const done: SseEvent[] = []
    for (const line of (this.buffer + this.decoded(this.decoder.end())).split(END_OF_LINE)) this.takeLine(line, done)
    this.buffer = ''
    this.scanFrom = 0
    this.takeLine('', done)
    return done
  }

  /** The stream's text: a leading byte order mark is not part of it (the SSE spec's UTF-8 decode, as TextDecoder's). */
  private decoded (text: string): string {
    if (!this.atStart || text === '') return text
    this.atStart = false
    return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text
  }

  private takeLine (line: string, done: SseEvent[]): void {
    if (line === '') {
      if (this.data.length > 0) done.push({ event: this.event, data: this.data.join('\n') })
      this.data = []
      this.dataChars = 0
      this.event = undefined
      return
    }
    if (line.charCodeAt(0) === 58 /* ':' comment */) return
    const colon = line.indexOf(':')
    const field = colon === -1 ? line : line.slice(0, colon)
    let value = colon === -1 ? '' : line.slice(colon + 1)
    if (value.charCodeAt(0) === 32) value = value.slice(1)
    if (field === 'data') {
      this.data.push(value)
      this.dataChars += value.length
    } else if (field === 'event') {
      this.event = value
    }
  }
}

/** Frames one JSON text as an unnamed event (compact JSON is one line; pretty-printed JSON from an upstream is kept intact). */
export function sseData (json: string): string {
  return json.includes('\n') ? `data: ${json.replace(/\r?\n/g, '\ndata: ')}\n\n` : `data: ${json}\n\n`
}

/**
 * The client-facing OpenAI stream: one `data:` event per chunk, then `data: [DONE]`. The usage-only
 * chunk is left out unless the client asked for it (stream_options.include_usage). A failure after the
 * stream started becomes `data: {"error":{…}}` (what `describe` says) and the stream closes without [DONE].
 */
export function openAIStreamFormat (includeUsage: boolean, describe: (err: unknown) => { message: string, type: string, [field: string]: unknown }): StreamFormat {
  return {
    open: () => '',
    chunk: (chunk) => chunk.usageOnly && !includeUsage ? '' : sseData(chunk.text),
    close: () => 'data: [DONE]\n\n',
    fail: (err) => sseData(JSON.stringify({ error: describe(err) }))
  }
}
