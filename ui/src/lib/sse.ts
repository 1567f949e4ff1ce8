/** One server-sent event: its name (`message` when unnamed) and its joined data lines. */
export interface ServerSentEvent {
  event: string
  data: string
}

/**
 * Parses a text/event-stream body as it arrives (WHATWG rules: events end at a blank line, `data:` lines
 * join with "\n", comments start with ":"), so tokens show up while the answer is still streaming.
 */
export async function * readEvents (body: ReadableStream<Uint8Array>, signal?: AbortSignal): AsyncGenerator<ServerSentEvent> {
  const reader = body.getReader()
  const decoder = new TextDecoder()
  const abort = (): void => { void reader.cancel() }
  signal?.addEventListener('abort', abort)
  let buffer = ''
  try {
    while (true) {
      const { value, done } = await reader.read()
      if (done) break
      buffer += decoder.decode(value, { stream: true })
      const blocks = buffer.split(/\r\n\r\n|\n\n|\r\r/)
      buffer = blocks.pop() ?? ''
      for (const block of blocks) {
        const event = parseBlock(block)
        if (event !== undefined) yield event
      }
    }
    const last = parseBlock(buffer + decoder.decode())
    if (last !== undefined) yield last
  } finally {
    signal?.removeEventListener('abort', abort)
    // frees the connection when the reader stops early ([DONE], an error, or the user pressed Stop)
    await reader.cancel().catch(() => {})
  }
}

function parseBlock (block: string): ServerSentEvent | undefined {
  let event = 'message'
  const data: string[] = []
  for (const line of block.split(/\r\n|\n|\r/)) {
    if (line === '' || line.startsWith(':')) continue
    const colon = line.indexOf(':')
    const field = colon === -1 ? line : line.slice(0, colon)
    let value = colon === -1 ? '' : line.slice(colon + 1)
    if (value.startsWith(' ')) value = value.slice(1)
    if (field === 'data') data.push(value)
    else if (field === 'event') event = value
  }
  return data.length === 0 ? undefined : { event, data: data.join('\n') }
}
