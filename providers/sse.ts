/** One server-sent event: the `event:` name (undefined for unnamed events) and its joined `data:` lines. */
export interface SseEvent {
  event: string | undefined
  data: string
}

const END_OF_LINE = /\r\n|\r|\n/g

/**
 * Parses a text/event-stream body (WHATWG HTML §9.2) arriving in arbitrary pieces: lines and UTF-8
 * characters may be split anywhere. Comments and id/retry fields are skipped. An event still open when
 * the body ends is delivered rather than dropped, so a missing final blank line loses nothing.
 */
export async function * parseSse (body: AsyncIterable<Uint8Array | string>): AsyncGenerator<SseEvent> {
  const decoder = new TextDecoder('utf-8')
  let buffer = ''
  let data: string[] = []
  let event: string | undefined

  const takeLine = (line: string): SseEvent | undefined => {
    if (line === '') {
      const done = data.length > 0 ? { event, data: data.join('\n') } : undefined
      data = []
      event = undefined
      return done
    }
    if (line.charCodeAt(0) === 58 /* ':' comment */) return undefined
    const colon = line.indexOf(':')
    const field = colon === -1 ? line : line.slice(0, colon)
    let value = colon === -1 ? '' : line.slice(colon + 1)
    if (value.charCodeAt(0) === 32) value = value.slice(1)
    if (field === 'data') data.push(value)
    else if (field === 'event') event = value
    return undefined
  }

  for await (const piece of body) {
    buffer += typeof piece === 'string' ? piece : decoder.decode(piece, { stream: true })
    let start = 0
    END_OF_LINE.lastIndex = 0
    for (let m = END_OF_LINE.exec(buffer); m !== null; m = END_OF_LINE.exec(buffer)) {
      // a lone CR at the end may be the first half of CRLF: wait for the next piece
      if (m[0] === '\r' && m.index === buffer.length - 1) break
      const done = takeLine(buffer.slice(start, m.index))
      start = m.index + m[0].length
      if (done !== undefined) yield done
    }
    buffer = buffer.slice(start)
  }
  buffer += decoder.decode()
  for (const line of buffer.split(END_OF_LINE)) {
    const done = takeLine(line)
    if (done !== undefined) yield done
  }
  const last = takeLine('')
  if (last !== undefined) yield last
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
export async function * openAIEventStream (
  chunks: AsyncIterable<{ text: string, usageOnly: boolean }>,
  includeUsage: boolean,
  describe: (err: unknown) => { message: string, type: string }
): AsyncGenerator<string> {
  try {
    for await (const chunk of chunks) {
      if (chunk.usageOnly && !includeUsage) continue
      yield sseData(chunk.text)
    }
  } catch (err) {
    yield sseData(JSON.stringify({ error: describe(err) }))
    return
  }
  yield 'data: [DONE]\n\n'
}
