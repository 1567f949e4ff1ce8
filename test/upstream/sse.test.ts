import { test } from 'tap'
import { SseEventTooLargeError, SseParser, sseData, type SseEvent } from '#upstream/sse.js'

async function parseAll (pieces: Array<Uint8Array | string>): Promise<SseEvent[]> {
  const parser = new SseParser()
  return [...pieces.flatMap((piece) => parser.push(piece)), ...parser.end()]
}

function bytewise (text: string): Uint8Array[] {
  return [...Buffer.from(text, 'utf8')].map((b) => Uint8Array.of(b))
}

const STREAM = 'event: message_start\ndata: {"t":"Grüße 👋"}\n\n: a comment\n\ndata: line one\ndata: line two\n\nid: 7\nretry: 100\ndata:no-space\n\n'
const EXPECTED = [
  { event: 'message_start', data: '{"t":"Grüße 👋"}' },
  { event: undefined, data: 'line one\nline two' },
  { event: undefined, data: 'no-space' }
]

test('parses events, comments, multi-line data and fields without a space', async (t) => {
  t.same(await parseAll([STREAM]), EXPECTED)
})

test('the same events arrive intact when the body comes byte by byte (UTF-8 characters split)', async (t) => {
  t.same(await parseAll(bytewise(STREAM)), EXPECTED)
})

test('a leading byte order mark is dropped, even split across pieces; invalid and cut-off UTF-8 become U+FFFD', async (t) => {
  const bom = Buffer.from('\uFEFFdata: a\n\ndata: \uFEFFb\n\n', 'utf8')
  t.same(await parseAll([bom]), [{ event: undefined, data: 'a' }, { event: undefined, data: '\uFEFFb' }], 'only the stream\'s first character is a BOM')
  t.same(await parseAll([bom.subarray(0, 1), bom.subarray(1, 2), bom.subarray(2)]), [{ event: undefined, data: 'a' }, { event: undefined, data: '\uFEFFb' }])
  const invalid = Buffer.concat([Buffer.from('data: x'), Buffer.of(0xff), Buffer.from('y\n\ndata: z'), Buffer.of(0xe2, 0x82)])
  t.same(await parseAll([invalid]), [{ event: undefined, data: 'x\uFFFDy' }, { event: undefined, data: 'z\uFFFD' }])
})

test('CRLF and lone CR line endings work, also when CRLF is split across pieces', async (t) => {
  const crlf = STREAM.replace(/\n/g, '\r\n')
  t.same(await parseAll(bytewise(crlf)), EXPECTED)
  t.same(await parseAll(['data: a\r', '\ndata: b\r\r']), [{ event: undefined, data: 'a\nb' }])
  t.same(await parseAll([STREAM.replace(/\n/g, '\r')]), EXPECTED)
})

test('an event still open when the body ends is delivered; an empty one is not', async (t) => {
  t.same(await parseAll(['data: {"last":true}']), [{ event: undefined, data: '{"last":true}' }])
  t.same(await parseAll(['event: ping\n\n']), [])
})

test('a long line arriving in many pieces is one event, its line end found however the pieces fall', async (t) => {
  const long = 'x'.repeat(200_000)
  const pieces = `data: ${long}\r\n\r\ndata: after\n\n`.match(/[\s\S]{1,997}/g) ?? []
  t.same(await parseAll(pieces), [{ event: undefined, data: long }, { event: undefined, data: 'after' }])
})

test('an event outgrowing the limit is refused, whether as one endless line or as many data lines', async (t) => {
  const line = new SseParser(1000)
  t.same(line.push('data: ' + 'x'.repeat(900)), [], 'still within the limit')
  t.throws(() => line.push('x'.repeat(200)), new SseEventTooLargeError(1000))
  const lines = new SseParser(1000)
  for (let i = 0; i < 10; i++) lines.push(`data: ${'y'.repeat(100)}\n`)
  t.throws(() => lines.push(`data: ${'y'.repeat(100)}\n`), { message: 'an event larger than 1 KB' }, 'the data of one event adds up')
  const fine = new SseParser(1000)
  for (let i = 0; i < 50; i++) t.equal(fine.push(`data: ${'z'.repeat(500)}\n\n`).length, 1, 'events under the limit, one after another, never add up')
})

test('sseData frames JSON as one event, keeping pretty-printed JSON intact', async (t) => {
  t.equal(sseData('{"a":1}'), 'data: {"a":1}\n\n')
  const pretty = JSON.stringify({ a: 1, b: [2] }, null, 2)
  const [event] = await parseAll([sseData(pretty)])
  t.same(JSON.parse(event?.data ?? ''), { a: 1, b: [2] })
})
