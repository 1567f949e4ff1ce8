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
  /** The event's `data:` lines joined by LF; undefined until the first one (an event without data is not delivered). */
  private data: string | undefined
  /** Characters in the `data:` values (not counting the joins), so an endless event is noticed. */
  private dataChars = 0
  private event: string | undefined

  constructor (private readonly maxEventChars = MAX_EVENT_CHARS) {}

  /** The events completed by `piece`. Throws SseEventTooLargeError once the event being read outgrows the limit. */
  push (piece: Uint8Array | string): SseEvent[] {
    const buffer = this.buffer + (typeof piece === 'string' ? piece : this.decoded(this.decoder.write(piece)))
    const done: SseEvent[] = []
    let start = 0
    let waitForLf = false
    // line ends found with indexOf, not a regex (this runs for every streamed chunk); most streams hold no CR at all
    let lf = buffer.indexOf('\n', this.scanFrom)
    let cr = buffer.indexOf('\r', this.scanFrom)
    while (lf !== -1 || cr !== -1) {
      let end = lf
      let next = lf + 1
      if (cr !== -1 && (lf === -1 || cr < lf)) {
        // a lone CR at the end may be the first half of CRLF: wait for the next piece
        if (cr === buffer.length - 1) {
          waitForLf = true
          break
        }
        end = cr
        next = cr === lf - 1 ? lf + 1 : cr + 1
      }
      this.takeLine(buffer.slice(start, end), done)
      start = next
      if (lf !== -1 && lf < start) lf = buffer.indexOf('\n', start)
      if (cr !== -1 && cr < start) cr = buffer.indexOf('\r', start)
    }
    this.buffer = start === 0 ? buffer : buffer.slice(start)
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
      if (this.data !== undefined) done.push({ event: this.event, data: this.data })
      this.data = undefined
      this.dataChars = 0
      this.event = undefined
      return
    }
    const colon = line.indexOf(':')
    if (colon === 0) return // a comment
    // the field name is compared in place: no slice of it per line
    const fieldEnd = colon === -1 ? line.length : colon
    let valueStart = colon === -1 ? line.length : colon + 1
    if (line.charCodeAt(valueStart) === 32) valueStart++
    if (fieldEnd === 4 && line.startsWith('data')) {
      const value = line.slice(valueStart)
      this.data = this.data === undefined ? value : `${this.data}\n${value}`
      this.dataChars += value.length
    } else if (fieldEnd === 5 && line.startsWith('event')) {
      this.event = line.slice(valueStart)
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
