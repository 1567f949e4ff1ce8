import { connect } from 'node:net'
import Fastify, { type FastifyInstance } from 'fastify'
import hubgate, { serverOptions } from '#app.js'
import { loadConfig } from '#config.js'
import { requireModel } from '#gateway/request-context.js'
import type { Scope } from '#schemas/principal.js'
import { ADMIN_KEY, tempDir, type TestContext } from './build.js'

export const PROBE_URL = '/api/test/probe'

/**
 * A gateway plus a test-only route `/api/test/probe?scope=…&model=…` behind the real auth hook:
 * it needs the `chat` scope (or the one in `scope` below) and, given `model`, calls requireModel.
 * It answers with the principal the hook resolved, so tests can see who got in.
 */
export async function buildWithProbe (t: TestContext, env: Record<string, string> = {}, scope: Scope = 'chat'): Promise<FastifyInstance> {
  const config = loadConfig({ DATA_DIR: tempDir(t), LOG_LEVEL: 'silent', ADMIN_KEY, ...env })
  const app = Fastify(serverOptions(config))
  await app.register(hubgate, { config, print: () => {} })
  app.get<{ Querystring: { model?: string } }>(PROBE_URL, { config: { scope } }, async (request) => {
    if (request.query.model !== undefined) requireModel(request, request.query.model)
    const principal = request.principal
    return { kind: principal?.kind, id: principal?.id, scopes: [...principal?.scopes ?? []].sort() }
  })
  await app.ready()
  t.teardown(async () => { await app.close() })
  return app
}

export interface RawResponse { status: number, headers: string, body: string }

/**
 * Sends `head` (request line and headers, CRLF separated, no final blank line) over a real socket.
 * Needed for what inject cannot express, such as a repeated Authorization header.
 */
export async function rawRequest (app: FastifyInstance, head: string): Promise<RawResponse> {
  const address = app.server.address()
  if (address === null || typeof address === 'string') throw new Error('app is not listening on TCP')
  return await new Promise((resolve, reject) => {
    const socket = connect(address.port, '127.0.0.1')
    let received = ''
    socket.setEncoding('latin1')
    socket.setTimeout(5_000, () => socket.destroy(new Error('raw request timed out')))
    socket.on('data', (chunk: string) => { received += chunk })
    socket.on('error', reject)
    socket.on('close', () => {
      const [headers = '', body = ''] = received.split('\r\n\r\n', 2)
      resolve({ status: Number(headers.split(' ', 2)[1]), headers, body })
    })
    socket.write(`${head}\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`, 'latin1')
  })
}
