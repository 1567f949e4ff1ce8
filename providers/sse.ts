import type { StreamFormat } from './stream-body.js'

/** One server-sent event: the `event:` name (undefined for unnamed events) and its joined `data:` lines. */
export interface SseEvent {
  event: string | undefined
  data: string
}

const END_OF_LINE = /\r\n|\r|\n/g

/**
 * A text/event-stream parser (WHATWG HTML §9.2) fed the body in arbitrary pieces: lines and UTF-8 characters may
 * be split anywhere. Comments and id/retry fields are skipped. Synchronous, so a reader that already loops over
 * the body (providers/decoded-stream.ts, in the body's 'data' callback) needs no async layer per piece.
 */
export class SseParser {
  private readonly decoder = new TextDecoder('utf-8')
  private buffer = ''
  private data: string[] = []
  private event: string | undefined

  /** The events completed by `piece`. */
  push (piece: Uint8Array | string): SseEvent[] {
    this.buffer += typeof piece === 'string' ? piece : this.decoder.decode(piece, { stream: true })
    const done: SseEvent[] = []
    let start = 0
    END_OF_LINE.lastIndex = 0
    for (let m = END_OF_LINE.exec(this.buffer); m !== null; m = END_OF_LINE.exec(this.buffer)) {
      // a lone CR at the end may be the first half of CRLF: wait for the next piece
      if (m[0] === '\r' && m.index === this.buffer.length - 1) break
      this.takeLine(this.buffer.slice(start, m.index), done)
      start = m.index + m[0].length
    }
    this.buffer = this.buffer.slice(start)
    return done
  }

  /** The events left when the body ends: an event still open is delivered rather than dropped. */
  end (): SseEvent[] {
    const done: SseEvent[] = []
    for (const line of (this.buffer + this.decoder.decode()).split(END_OF_LINE)) this.takeLine(line, done)
    this.buffer = ''
    this.takeLine('', done)
    return done
  }

  private takeLine (line: string, done: SseEvent[]): void {
    if (line === '') {
      if (this.data.length > 0) done.push({ event: this.event, data: this.data.join('\n') })
      this.data = []
      this.event = undefined
      return
    }
    if (line.charCodeAt(0) === 58 /* ':' comment */) return
    const colon = line.indexOf(':')
    const field = colon === -1 ? line : line.slice(0, colon)
    let value = colon === -1 ? '' : line.slice(colon + 1)
    if (value.charCodeAt(0) === 32) value = value.slice(1)
    if (field === 'data') this.data.push(value)
    else if (field === 'event') this.event = value
  }
}

/** Frames one JSON text as an unnamed event (compact JSON is one line; pretty-printed JSON from an upstream is kept intact). */
export function sseData (json: string): string {
  return json.includes('\n') ? `data: ${json.replace(/\r?\n/g, '\ndata: ')}\n\n` : `data: ${json}\n\n`
}

/**
 * The client-facing OpenAI stream: one `data:` event per chunk, then `data: [DONE]`. The usage-only
 * chunk is left out unless the client asked for it (stream_options.include_usage). A failure after the
 * stream started becomes `data: {"error":{"message","type"}}` and the stream closes without [DONE].
 */
export function openAIStreamFormat (includeUsage: boolean, describe: (err: unknown) => { message: string, type: string }): StreamFormat {
  return {
    open: () => '',
    chunk: (chunk) => chunk.usageOnly && !includeUsage ? '' : sseData(chunk.text),
    close: () => 'data: [DONE]\n\n',
    fail: (err) => sseData(JSON.stringify({ error: describe(err) }))
  }
}
