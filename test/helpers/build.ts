import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance, InjectOptions } from 'fastify'
import { buildApp, type AppOptions } from '#app.js'
import { loadConfig } from '#config.js'

/** Minimal view of a tap Test that the helpers need. */
export interface TestContext {
  teardown: (fn: () => unknown) => void
}

export const ADMIN_KEY = 'hgk_test-admin-key-0123456789abcdefghijklmnopqrstuv'
export const UNAUTHORIZED = { error: 'Unauthorized', message: 'Authentication token is invalid or missing.' }

export function tempDir (t: TestContext, prefix = 'hubgate-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

/** A fresh gateway on its own temp SQLite (unless env says otherwise), closed on teardown. */
export async function build (t: TestContext, env: Record<string, string> = {}, options: Omit<AppOptions, 'config'> = {}): Promise<FastifyInstance> {
  // load shedding off unless a test asks for it: a busy CI machine must not turn test requests into 503s; the
  // built-in price list off unless a test is about it: expected credits come from the rates a test sets, not from
  // whatever the price package's current version says
  const config = loadConfig({ DATA_DIR: tempDir(t), LOG_LEVEL: 'silent', ADMIN_KEY, MAX_EVENT_LOOP_DELAY_MS: '0', BUILTIN_PRICES: 'false', ...env })
  const app = await buildApp(config, options)
  t.teardown(async () => { await app.close() })
  return app
}

export function bearer (key: string): Record<string, string> {
  return { authorization: `Bearer ${key}` }
}

export interface IssuedKey { id: string, key: string, [field: string]: unknown }

/** Issues an access key through the admin API, as an operator would. */
export async function issueKey (app: FastifyInstance, body: Record<string, unknown> = {}): Promise<IssuedKey> {
  const res = await app.inject({
    method: 'POST',
    url: '/api/admin/access-keys',
    headers: bearer(ADMIN_KEY),
    payload: { name: 'test key', ...body }
  })
  if (res.statusCode !== 201) throw new Error(`issueKey failed: ${res.statusCode} ${res.body}`)
  return res.json<IssuedKey>()
}

export async function adminCall (app: FastifyInstance, options: InjectOptions): Promise<ReturnType<FastifyInstance['inject']> extends Promise<infer R> ? R : never> {
  return await app.inject({ ...options, headers: { ...bearer(ADMIN_KEY), ...options.headers } })
}
