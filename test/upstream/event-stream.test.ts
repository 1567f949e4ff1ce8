import { test } from 'tap'
import { EventStreamParser, MAX_FRAME_BYTES } from '#upstream/event-stream.js'
import { StreamFramingError } from '#upstream/sse.js'
import { eventFrame } from '../helpers/mock-bedrock.js'

test('frames split at every byte, or several in one piece, come out whole and in order', async (t) => {
  const frames = [eventFrame('messageStart', { role: 'assistant' }), eventFrame('contentBlockDelta', { delta: { text: 'héllo' } }), eventFrame('throttlingException', { message: 'slow down' }, true)]
  const bytes = Buffer.concat(frames)
  const expected = [
    { event: 'messageStart', data: '{"role":"assistant"}' },
    { event: 'contentBlockDelta', data: '{"delta":{"text":"héllo"}}' },
    { event: 'throttlingException', data: '{"message":"slow down"}' }
  ]
  const byteByByte = new EventStreamParser()
  const out = []
  for (const byte of bytes) out.push(...byteByByte.push(Buffer.from([byte])))
  t.same(out, expected)
  t.same(new EventStreamParser().push(bytes), expected)
})

/** What pushing `bytes` into a fresh parser throws. */
function failure (bytes: Buffer): unknown {
  try {
    new EventStreamParser().push(bytes)
  } catch (err) {
    return err
  }
  return undefined
}

test('a corrupt, undersized or oversized frame is a framing error, refused before it is buffered', async (t) => {
  const frame = eventFrame('messageStart', { role: 'assistant' })
  frame.writeUInt8((frame.at(-1) as number) ^ 1, frame.length - 1)
  const tiny = Buffer.alloc(8)
  tiny.writeUInt32BE(4, 0)
  const huge = Buffer.alloc(4)
  huge.writeUInt32BE(MAX_FRAME_BYTES + 1, 0)
  for (const [bytes, message] of [[frame, /^a corrupt event stream frame \(The message checksum/], [tiny, /^a malformed event stream frame$/], [huge, /^an event stream frame larger than 16 MB$/]] as const) {
    const err = failure(bytes)
    t.ok(err instanceof StreamFramingError)
    t.match((err as Error).message, message)
  }
})

test('a frame cut short by the body\'s end yields nothing', async (t) => {
  const parser = new EventStreamParser()
  const frame = eventFrame('messageStop', { stopReason: 'end_turn' })
  t.same(parser.push(frame.subarray(0, 10)), [])
  t.same(parser.end(), [])
})
