import { Writable } from 'node:stream'
import { finished } from 'node:stream/promises'
import { test } from 'tap'
import { ClientSignal } from '#upstream/client-signal.js'
import { decodedStream } from '#upstream/decoded-stream.js'
import type { BodyListener, StreamedBody } from '#upstream/http.js'
import { JsonPayload } from '#upstream/payload.js'
import { StreamBody, type StreamFormat } from '#upstream/stream-body.js'
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

/** An upstream body driven by hand, as the socket parser drives one (pieces, end, failure), noting what its reader asked. */
class HandBody implements StreamedBody {
  destroyed = false
  paused = false
  readToEnd = false
  private listener: BodyListener | undefined
  listen (listener: BodyListener): void { this.listener = listener }
  pause (): void { this.paused = true }
  resume (): void { this.paused = false }
  destroy (): void { this.destroyed = true }
  write (text: string): void { if (!this.destroyed) this.listener?.data(Buffer.from(text)) }
  end (text = ''): void {
    if (text !== '') this.write(text)
    if (this.destroyed) return
    this.readToEnd = true
    this.listener?.end()
  }

  fail (err: Error): void { if (!this.destroyed) this.listener?.error(err) }
}

function upstream (): { body: HandBody, response: HandBody } {
  const body = new HandBody()
  return { body, response: body }
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
  t.ok(body.readToEnd && !body.destroyed, 'the body was read to its end, not torn down')
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
  broken.body.fail(Object.assign(new Error('socket hang up'), { code: 'UND_ERR_SOCKET' }))
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

test('decoded stream: once the answer is complete its body is resumed, whatever the consumer paused, so its last bytes drain', async (t) => {
  const { body, response } = upstream()
  const heard = listen(decodedStream(response, call(), decoder))
  heard.flow.pause()
  t.ok(body.paused)
  body.write('data: {"a":1}\n\ndata: [DONE]\n\n')
  t.notOk(body.paused, 'resumed at the end marker')
  heard.flow.pause()
  t.notOk(body.paused, 'a pause after the end changes nothing')
  t.same(heard.ended, [{ err: undefined }])
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

/** A response stand-in: what was written, whether it ended, and a write answer the test chooses (false: a slow client). */
class Client extends Writable {
  written: string[] = []
  ended = false
  accepting = true
  constructor () { super({ decodeStrings: false }) }
  override write (chunk: unknown): boolean {
    this.written.push(String(chunk))
    return this.accepting
  }

  override end (): this {
    this.ended = true
    return this
  }
}

/** Pipes `body` to a Client as Fastify does, stream.finished watching it (`done`: it ended or closed). */
function pipeTo (body: StreamBody<ChatChunk>): { client: Client, done: Promise<void> } {
  const client = new Client()
  const done = finished(body as never, { readable: true, writable: false })
  body.pipe(client)
  return { client, done }
}

/** A StreamBody over a hand-driven stream, piped at once. */
function piped (): { stream: ReturnType<typeof manualStream>, body: StreamBody<ChatChunk>, client: Client, done: Promise<void> } {
  const stream = manualStream()
  const body = new StreamBody(stream, lines)
  return { stream, body, ...pipeTo(body) }
}

/** All `body` writes once piped, when it ends the response. */
async function text (body: StreamBody<ChatChunk>): Promise<string> {
  const { client, done } = pipeTo(body)
  await done
  return client.ended ? client.written.join('') : 'the response was not ended'
}

test('stream body: opens at once, sends each flush as one write, then the close, and ends the response', async (t) => {
  const { stream, client, done } = piped()
  const sink = stream.sink as ChunkSink
  sink.chunk(JsonPayload.fromText('a') as ChatChunk)
  sink.chunk(JsonPayload.fromText('skip') as ChatChunk)
  sink.chunk(JsonPayload.fromText('b') as ChatChunk)
  sink.flush()
  sink.flush() // nothing new: nothing sent
  sink.end()
  await done
  t.same(client.written, ['open\n', 'a\nb\n', 'close\n'])
  t.ok(client.ended)
})

test('stream body: what comes before Fastify pipes it is written at pipe; an answer complete by then ends at once', async (t) => {
  const stream = manualStream()
  const body = new StreamBody(stream, lines)
  stream.sink?.chunk(JsonPayload.fromText('a') as ChatChunk)
  stream.sink?.flush()
  stream.sink?.end()
  t.equal(await text(body), 'open\na\nclose\n')
})

test('stream body: piped with { end: false } (Fastify, when it sends trailers), it leaves the response open', async (t) => {
  const stream = manualStream()
  const body = new StreamBody(stream, lines)
  const client = new Client()
  const done = finished(body as never, { readable: true, writable: false })
  body.pipe(client, { end: false })
  stream.sink?.end()
  await done
  t.same(client.written, ['open\n', 'close\n'])
  t.notOk(client.ended)
})

test('stream body: a failure, or a format that throws, sends the failure and ends', async (t) => {
  const failed = manualStream()
  const failedBody = new StreamBody(failed, lines)
  failed.sink?.chunk(JsonPayload.fromText('a') as ChatChunk)
  failed.sink?.end(new Error('upstream broke'))
  t.equal(await text(failedBody), 'open\na\nfail: upstream broke\n')

  const throwing = manualStream()
  const throwingBody = new StreamBody(throwing, { ...lines, close: () => { throw new Error('format bug') } })
  throwing.sink?.end()
  t.equal(await text(throwingBody), 'open\nfail: format bug\n')
})

test('stream body: a client that does not take more pauses the upstream; its drain resumes it', async (t) => {
  const { stream, client } = piped()
  client.accepting = false
  stream.sink?.chunk(JsonPayload.fromText('a') as ChatChunk)
  stream.sink?.flush()
  t.same(stream.calls, ['pause'], 'paused at the first write the client refuses')
  stream.sink?.flush()
  t.same(stream.calls, ['pause'], 'once')
  client.accepting = true
  client.emit('drain')
  t.same(stream.calls, ['pause', 'resume'], 'resumed once the client drains')
  client.emit('drain')
  t.same(stream.calls, ['pause', 'resume'], 'a drain while flowing changes nothing')
})

test('stream body: a stream that hands over more than a high-water mark while it starts is paused once started', async (t) => {
  const calls: string[] = []
  const eager: ChatChunkStream = {
    start (sink) {
      sink.chunk(JsonPayload.fromText('x'.repeat(20 * 1024)) as ChatChunk)
      sink.flush()
      return { pause: () => calls.push('pause'), resume: () => calls.push('resume'), cancel: () => calls.push('cancel') }
    }
  }
  const body = new StreamBody(eager, lines)
  t.same(calls, ['pause'])
  pipeTo(body)
  t.same(calls, ['pause', 'resume'], 'resumed once piped')
})

test('stream body: before it is piped, it holds at most a high-water mark before pausing the upstream', async (t) => {
  const stream = manualStream()
  const body = new StreamBody(stream, lines)
  stream.sink?.chunk(JsonPayload.fromText('x'.repeat(20 * 1024)) as ChatChunk)
  stream.sink?.flush()
  t.same(stream.calls, ['pause'])
  const { client } = pipeTo(body)
  t.same(stream.calls, ['pause', 'resume'], 'resumed once piped')
  t.equal(client.written.join('').length, 'open\n'.length + 20 * 1024 + 1, 'and what it held is written')
})

test('stream body: destroyed (the client went away) cancels the upstream once, closes, and writes nothing more', async (t) => {
  const { stream, body, client, done } = piped()
  body.destroy()
  await done
  t.same(stream.calls, ['cancel'])
  stream.sink?.chunk(JsonPayload.fromText('late') as ChatChunk)
  stream.sink?.flush()
  stream.sink?.end()
  body.destroy()
  t.same(stream.calls, ['cancel'], 'not cancelled again')
  t.same(client.written, ['open\n'], 'nothing after the destroy')
  t.notOk(client.ended, 'the response is not ended as if complete')
})
