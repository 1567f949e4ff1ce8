import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { ChildProcess } from 'node:child_process'
import { startServing, type Launch } from './processes.js'

/** What every bench mode starts and calls the same way: Hubgate's process, its keys and the chat body. */
export const ADMIN_KEY = 'hgk_bench-admin-key-0123456789abcdefghijklmnopqrstuvwxyz'
/** The one key the minimal gateway (bench/minimal-gateway.ts) accepts. */
export const MINIMAL_KEY = 'hgk_bench-minimal-gateway-key'

/** In a streamed prompt, asks the mock upstream for a 5-second stream (bench/mock-upstream.ts). */
export const LONG_STREAM_MARKER = 'Stream for five seconds.'

export const chatBody = (stream: boolean, long = false): string => JSON.stringify({
  model: 'openai/gpt-4o-mini',
  messages: [{ role: 'user', content: long ? LONG_STREAM_MARKER : 'Say hello to the benchmark.' }],
  ...(stream ? { stream: true } : {})
})

/**
 * The flags between `node` and the script in package.json's `start`: every proxy runs with them (the Dockerfile's
 * CMD has the same), so the bare proxy stays the floor for memory too.
 */
export function startScriptNodeFlags (root: string): string[] {
  const start = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start
  const match = /^node((?:\s+--\S+)*)\s+dist\/server\.js$/.exec(start.trim())
  if (match === null) throw new Error(`package.json's start script is not "node [--flags] dist/server.js": ${start}`)
  return match[1]!.trim().split(/\s+/).filter((flag) => flag !== '')
}

export interface Hubgate { process: ChildProcess, origin: string, chatKey: string }

/** Hubgate built in `root` (dist/server.js), on a fresh DATA_DIR, its OpenAI provider pointed at `upstream`, with a chat key. */
export async function startHubgate (root: string, dataDir: string, upstream: string, launch: Launch = {}): Promise<Hubgate> {
  const port = 20_000 + Math.floor(Math.random() * 20_000)
  const origin = `http://127.0.0.1:${port}`
  // under a slowing tool, an entry point without the plugin start-up deadline (bench/hubgate-under-tool.ts)
  const script = launch.wrapper === undefined ? join(root, 'dist', 'server.js') : join(dirname(fileURLToPath(import.meta.url)), 'hubgate-under-tool.js')
  const child = await startServing(script, {
    HUBGATE_ROOT: root,
    PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, ADMIN_KEY, LOG_LEVEL: 'warn',
    OPENAI_API_KEY: 'sk-bench', OPENAI_BASE_URL: `${upstream}/v1`,
    MAX_EVENT_LOOP_DELAY_MS: '0',
    // the hourly usage maintenance runs within a run too, so what a gateway up for hours pays is measured (its first
    // rollup once left an async hook on that made every later call ~17 % dearer: docs/benchmark.md, session 16)
    USAGE_ROLLUP_INTERVAL_MS: '60000'
  }, `${origin}/health/ready`, launch)
  return { process: child, origin, chatKey: await issueChatKey(origin) }
}

export async function issueChatKey (origin: string): Promise<string> {
  const res = await fetch(`${origin}/api/admin/access-keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'bench', scopes: ['chat'], models: ['openai/*'] })
  })
  if (res.status !== 201) throw new Error(`could not issue a bench key: ${res.status} ${await res.text()}`)
  return ((await res.json()) as { key: string }).key
}
