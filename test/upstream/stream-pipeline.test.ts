import { PassThrough, type Readable } from 'node:stream'
import { test } from 'tap'
import { ClientSignal } from '#upstream/client-signal.js'
import { decodedStream } from '#upstream/decoded-stream.js'
import type { UpstreamResponse } from '#upstream/http.js'
import { JsonPayload } from '#upstream/payload.js'
import { streamBody, type StreamFormat } from '#upstream/stream-body.js'
import type { ChatChunk, ChatChunkStream, ChunkFlow, ChunkSink, StreamDecoder, UpstreamCall } from '#upstream/types.js'

/*
 * The push pipeline of a streamed answer, below the routes (which the route tests cover end to end): the upstream
 * body decoded piece by piece, and the client body with its backpressure and cancellation.
 */

const call = (): UpstreamCall => ({
  provider: { id: 'p', kind: 'openai-compatible', displayName: 'P', baseUrl: 'http://127.0.0.1:9/v1', models: ['*'], source: 'env' },
  model: 'm',
  signal: new ClientSignal(),
  http: undefined as never
})

/** Every data event is a chunk; `[DONE]` ends; `boom` is a failure the provider reports. */
const decoder: StreamDecoder = {
  event ({ data }, emit) {
    if (data === '[DONE]') return true
    if (data === 'boom') throw new Error('provider failed mid-stream')
    emit(JsonPayload.fromText(data))
    return false
  },
  end () { throw new Error('cut short') }
}

interface Heard { chunks: string[], flushes: number, ended: Array<{ err: unknown }>, flow: ChunkFlow }

/** Starts `stream` with a sink that notes what it hears. */
function listen (stream: ChatChunkStream): Heard {
  const heard = { chunks: [] as string[], flushes: 0, ended: [] as Array<{ err: unknown }> }
  const flow = stream.start({
    chunk: (chunk) => { heard.chunks.push(chunk.text) },
    flush: () => { heard.flushes++ },
    end: (err) => { heard.ended.push({ err }) }
  })
  return Object.assign(heard, { flow })
}

function upstream (): { body: PassThrough, response: UpstreamResponse } {
  const body = new PassThrough()
  return { body, response: { headers: {}, body: body as unknown as UpstreamResponse['body'] } }
}

test('decoded stream: each body piece is decoded and flushed once; the end marker ends it; trailing bytes are drained', async (t) => {
  const { body, response } = upstream()
  const heard = listen(decodedStream(response, call(), decoder))
  body.write('data: {"a":1}\n\ndata: {"a":2}\n\n')
  body.write('data: {"a":3}\n\ndata: [DONE]\n\n')
  await new Promise((resolve) => setImmediate(resolve))
  t.same(heard.chunks, ['{"a":1}', '{"a":2}', '{"a":3}'])
  t.equal(heard.flushes, 2, 'one flush per piece, not per chunk')
  t.same(heard.ended, [{ err: undefined }], 'ended once, complete')
  body.end(': trailing comment\n\n')
  await new Promise((resolve) => body.once('end', resolve))
  t.notOk(body.destroyed && !body.readableEnded, 'the body was read to its end, not torn down')
})

test('decoded stream: a provider failure mid-stream ends it with that error and stops the upstream', async (t) => {
  const { body, response } = upstream()
  const heard = listen(decodedStream(response, call(), decoder))
  body.write('data: {"a":1}\n\ndata: boom\n\ndata: {"a":2}\n\n')
  await new Promise((resolve) => setImmediate(resolve))
  t.same(heard.chunks, ['{"a":1}'], 'nothing after the failure')
  t.equal(heard.ended.length, 1)
  t.match((heard.ended[0]?.err as Error).message, /mid-stream/)
  t.ok(body.destroyed, 'the upstream body is destroyed')
})

test('decoded stream: a body that ends without the end marker is cut short; one that breaks is a transport error', async (t) => {
  const cut = upstream()
  const heardCut = listen(decodedStream(cut.response, call(), decoder))
  cut.body.end('data: {"a":1}\n\n')
  await new Promise((resolve) => setImmediate(resolve))
  t.same(heardCut.chunks, ['{"a":1}'])
  t.match((heardCut.ended[0]?.err as Error).message, /cut short/)

  const broken = upstream()
  const heardBroken = listen(decodedStream(broken.response, call(), decoder))
  broken.body.destroy(Object.assign(new Error('socket hang up'), { code: 'UND_ERR_SOCKET' }))
  await new Promise((resolve) => setImmediate(resolve))
  t.equal(heardBroken.ended.length, 1)
  t.match((heardBroken.ended[0]?.err as Error).message, /Could not reach provider p/, 'mapped like any transport failure, URL not named')
})

test('decoded stream: a consumer that throws ends the stream with its error instead of crashing the process', async (t) => {
  const { body, response } = upstream()
  const ends: unknown[] = []
  decodedStream(response, call(), decoder).start({
    chunk: () => {},
    flush: () => { throw new Error('consumer bug') },
    end: (err) => { ends.push(err) }
  })
  body.write('data: {"a":1}\n\n')
  await new Promise((resolve) => setImmediate(resolve))
  t.equal(ends.length, 1)
  t.match((ends[0] as Error).message, 'consumer bug')
  t.ok(body.destroyed)
})

test('decoded stream: cancel (the client went away) destroys the body, and the sink hears nothing more', async (t) => {
  const { body, response } = upstream()
  const heard = listen(decodedStream(response, call(), decoder))
  body.write('data: {"a":1}\n\n')
  await new Promise((resolve) => setImmediate(resolve))
  heard.flow.cancel()
  t.ok(body.destroyed)
  t.same(heard.chunks, ['{"a":1}'])
  t.same(heard.ended, [], 'no end after a cancel: the consumer is gone')
})

/** A stream driven by hand: `push` chunks, `end`, and see what the consumer asked of it. */
function manualStream (): ChatChunkStream & { sink?: ChunkSink, calls: string[] } {
  const stream: ChatChunkStream & { sink?: ChunkSink, calls: string[] } = {
    calls: [],
    start (sink) {
      stream.sink = sink
      return { pause: () => stream.calls.push('pause'), resume: () => stream.calls.push('resume'), cancel: () => stream.calls.push('cancel') }
    }
  }
  return stream
}

const lines: StreamFormat = {
  open: () => 'open\n',
  chunk: (chunk) => chunk.text === 'skip' ? '' : `${chunk.text}\n`,
  close: () => 'close\n',
  fail: (err) => `fail: ${(err as Error).message}\n`
}

async function text (body: Readable): Promise<string> {
  let out = ''
  for await (const piece of body) out += String(piece)
  return out
}

test('stream body: opens at once, sends each flush as one piece, then the close', async (t) => {
  const stream = manualStream()
  const body = streamBody(stream, lines)
  const pieces: string[] = []
  body.on('data', (piece) => pieces.push(String(piece)))
  const sink = stream.sink as ChunkSink
  sink.chunk(JsonPayload.fromText('a') as ChatChunk)
  sink.chunk(JsonPayload.fromText('skip') as ChatChunk)
  sink.chunk(JsonPayload.fromText('b') as ChatChunk)
  sink.flush()
  sink.flush() // nothing new: nothing sent
  sink.end()
  await new Promise((resolve) => body.once('end', resolve))
  t.same(pieces, ['open\n', 'a\nb\n', 'close\n'])
})

test('stream body: a failure, or a format that throws, sends the failure and ends', async (t) => {
  const failed = manualStream()
  const failedBody = streamBody(failed, lines)
  failed.sink?.chunk(JsonPayload.fromText('a') as ChatChunk)
  failed.sink?.end(new Error('upstream broke'))
  t.equal(await text(failedBody), 'open\na\nfail: upstream broke\n')

  const throwing = manualStream()
  const throwingBody = streamBody(throwing, { ...lines, close: () => { throw new Error('format bug') } })
  throwing.sink?.end()
  t.equal(await text(throwingBody), 'open\nfail: format bug\n')
})

test('stream body: a client that does not read pauses the upstream; reading resumes it', async (t) => {
  const stream = manualStream()
  const body = streamBody(stream, lines)
  const big = 'x'.repeat(body.readableHighWaterMark)
  stream.sink?.chunk(JsonPayload.fromText(big) as ChatChunk)
  stream.sink?.flush()
  t.same(stream.calls, ['pause'], 'paused once the body holds a high-water mark')
  body.read()
  await new Promise((resolve) => setImmediate(resolve))
  t.same(stream.calls.at(-1), 'resume', 'resumed when the client reads')
})

test('stream body: destroyed (the client went away) cancels the upstream once; a late end is ignored', async (t) => {
  const stream = manualStream()
  const body = streamBody(stream, lines)
  body.destroy()
  await new Promise((resolve) => setImmediate(resolve))
  t.same(stream.calls, ['cancel'])
  stream.sink?.chunk(JsonPayload.fromText('late') as ChatChunk)
  stream.sink?.flush()
  stream.sink?.end()
  t.same(stream.calls, ['cancel'], 'not cancelled again')
  t.ok(body.destroyed)
})
