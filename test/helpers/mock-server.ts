import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import type { AddressInfo, Socket } from 'node:net'
import { setImmediate as nextTurn } from 'node:timers/promises'
import type { TestContext } from './build.js'

/** What a mock provider received, for tests to assert the translated upstream request. */
export interface RecordedRequest {
  method: string
  /** Path and query, e.g. /v1/messages or /models/gemini-2.5-flash:streamGenerateContent?alt=sse */
  url: string
  headers: IncomingHttpHeaders
  /** The body parsed as JSON (undefined when it is not JSON). */
  body: any
  /** The body as sent (signatures and multipart forms are checked on it). */
  text: string
  /** The body's bytes (multipart uploads). */
  raw: Buffer
}

export type MockHandler = (request: RecordedRequest, res: ServerResponse) => void | Promise<void>

export interface MockServer {
  /** Base URL to configure the gateway with (e.g. OPENAI_BASE_URL). */
  url: string
  requests: RecordedRequest[]
  /** Handlers for the next requests, in order; the last one keeps answering after that. */
  respond: (...handlers: MockHandler[]) => void
  /** Resolves when the gateway closed a response before the mock finished it (an aborted upstream call). */
  abandoned: () => Promise<void>
}

/** A loopback HTTP server (https with `tls`) standing in for a provider; closed (connections included) on teardown. */
export async function startMock (t: TestContext, basePath = '', tls?: { key: Buffer, cert: Buffer }): Promise<MockServer> {
  const requests: RecordedRequest[] = []
  let handlers: MockHandler[] = [(_req, res) => { res.writeHead(500).end('no handler set') }]
  const sockets = new Set<Socket>()
  let abandonedOnce = false
  const abandonWaiters: Array<() => void> = []
  const onAbandon = (): void => {
    abandonedOnce = true
    for (const resolve of abandonWaiters.splice(0)) resolve()
  }

  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    const pieces: Buffer[] = []
    req.on('data', (piece: Buffer) => pieces.push(piece))
    req.on('end', () => {
      const raw = Buffer.concat(pieces)
      const text = raw.toString('utf8')
      let body: unknown
      try { body = JSON.parse(text) } catch { body = undefined }
      const recorded = { method: req.method ?? '', url: (req.url ?? '').slice(basePath.length), headers: req.headers, body, text, raw }
      requests.push(recorded)
      res.on('close', () => { if (!res.writableFinished) onAbandon() })
      const handler = handlers.length > 1 ? handlers.shift() as MockHandler : handlers[0] as MockHandler
      Promise.resolve(handler(recorded, res)).catch((err: unknown) => {
        if (!res.headersSent) res.writeHead(500)
        res.end(String(err))
      })
    })
  }
  const server = tls === undefined ? createServer(onRequest) : createHttpsServer(tls, onRequest)
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(async () => {
    for (const socket of sockets) socket.destroy()
    await new Promise((resolve) => server.close(resolve))
  })
  const { port } = server.address() as AddressInfo
  return {
    url: `${tls === undefined ? 'http' : 'https'}://127.0.0.1:${port}${basePath}`,
    requests,
    respond: (...next) => { handlers = next },
    abandoned: async () => {
      if (abandonedOnce) return
      await new Promise<void>((resolve) => abandonWaiters.push(resolve))
    }
  }
}

export function sendJson (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body))
}

/**
 * Writes `text` in pieces of `pieceSize` bytes, each on its own turn of the event loop so they leave
 * as separate writes: lines, events and UTF-8 characters get split at arbitrary places.
 */
export async function writeInPieces (res: ServerResponse, text: string, pieceSize = 1): Promise<void> {
  const bytes = Buffer.from(text, 'utf8')
  for (let i = 0; i < bytes.length && !res.destroyed; i += pieceSize) {
    res.write(bytes.subarray(i, i + pieceSize))
    await nextTurn()
  }
}

export interface StreamOptions {
  /** Bytes per write (1 = byte by byte). Default: one write per event. */
  pieceSize?: number
  /** Stop after this many events and keep the response open until the client goes away. */
  hangAfter?: number
  /** Destroy the connection after this many events (an upstream dying mid-stream). */
  dieAfter?: number
}

/** Sends pre-framed SSE events (each a complete `…\n\n` block) with the given chunking and failure. */
export async function streamEvents (res: ServerResponse, events: string[], options: StreamOptions = {}): Promise<void> {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' })
  res.flushHeaders()
  for (const [i, event] of events.entries()) {
    if (i === options.hangAfter) return await new Promise<void>((resolve) => res.on('close', () => resolve()))
    if (i === options.dieAfter) { res.socket?.destroy(); return }
    if (options.pieceSize !== undefined) await writeInPieces(res, event, options.pieceSize)
    else await new Promise((resolve) => res.write(event, resolve)) // flushed before any planned failure
  }
  res.end()
}

/** A handler that never answers (for timeout tests); the connection is cut on teardown. */
export const neverAnswer: MockHandler = () => {}

/** A handler that resets the connection without any answer. */
export const resetConnection: MockHandler = (_req, res) => { res.socket?.destroy() }
