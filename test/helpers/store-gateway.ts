import { Writable } from 'node:stream'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { buildApp, type AppOptions } from '#app.js'
import { loadConfig } from '#config.js'
import type { ResolveHost } from '#upstream/address-guard.js'
import { ADMIN_KEY, bearer, issueKey, tempDir, type TestContext } from './build.js'
import { startMock, type MockServer } from './mock-server.js'

/** A gateway logging at trace level into memory, with a loopback OpenAI-compatible mock at `mock.url`. */
export interface StoreGateway {
  app: FastifyInstance
  mock: MockServer
  logs: () => string
  /** Admin call with the bootstrap key. */
  admin: (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: Record<string, unknown>) => Promise<LightMyRequestResponse>
  /** Creates store provider `id` pointing at the mock, and its credentials; returns their ids. */
  addProvider: (id: string, secrets: Array<{ secret: string, weight?: number }>) => Promise<string[]>
  /** A chat call with an access key allowed every model. */
  chat: (model: string) => Promise<LightMyRequestResponse>
}

/**
 * `env` may depend on the mock's URL (to point an environment provider at it). The loopback mock is in
 * PROVIDER_ALLOWED_HOSTS unless `env` sets it ('' clears it: the address guard's own tests). `now`: the clock calls are priced by.
 */
export async function storeGateway (
  t: TestContext,
  env: Record<string, string> | ((mockUrl: string) => Record<string, string>) = {},
  resolveHost?: ResolveHost,
  now?: AppOptions['now']
): Promise<StoreGateway> {
  const mock = await startMock(t, '/v1')
  let captured = ''
  const stream = new Writable({ write (chunk: Buffer, _enc, done) { captured += chunk.toString(); done() } })
  const config = loadConfig({
    DATA_DIR: tempDir(t), LOG_LEVEL: 'info', ADMIN_KEY, UPSTREAM_RETRIES: '0', PROVIDER_ALLOWED_HOSTS: '127.0.0.1', ...(typeof env === 'function' ? env(mock.url) : env)
  })
  const app = await buildApp(config, { print: () => {}, ...(resolveHost !== undefined ? { resolveHost } : {}), ...(now !== undefined ? { now } : {}) }, { logger: { level: 'trace', stream } })
  t.teardown(async () => { await app.close() })
  const admin = async (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: Record<string, unknown>): Promise<LightMyRequestResponse> =>
    await app.inject({ method, url, headers: bearer(ADMIN_KEY), ...(payload !== undefined ? { payload } : {}) })
  const { key } = await issueKey(app, { scopes: ['chat'] })
  return {
    app,
    mock,
    logs: () => captured,
    admin,
    async addProvider (id, secrets) {
      const created = await admin('POST', '/api/admin/providers', { id, kind: 'openai-compatible', baseUrl: mock.url, models: ['gpt-4o-mini'] })
      if (created.statusCode !== 201) throw new Error(`provider create failed: ${created.body}`)
      const ids: string[] = []
      for (const [i, s] of secrets.entries()) {
        const res = await admin('POST', `/api/admin/providers/${id}/credentials`, { label: `key ${i}`, ...s })
        if (res.statusCode !== 201) throw new Error(`credential create failed: ${res.body}`)
        ids.push(res.json<{ id: string }>().id)
      }
      return ids
    },
    chat: async (model) => await app.inject({
      method: 'POST', url: '/api/v2/chat/completions', headers: bearer(key), payload: { model, messages: [{ role: 'user', content: 'hi' }] }
    })
  }
}

/** The credential a mock request carried (OpenAI-style bearer). */
export function usedSecret (headers: Record<string, unknown>): string {
  return String(headers.authorization ?? '').replace(/^Bearer /, '')
}
