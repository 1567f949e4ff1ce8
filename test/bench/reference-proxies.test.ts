import { join } from 'node:path'
import SQLite from 'better-sqlite3'
import { test } from 'tap'
import { tempDir, type TestContext } from '../helpers/build.js'
import { startTs, waitForOutput } from '../helpers/run-ts.js'
import { fixedCalls } from '../../bench/load.js'
import { chatBody } from '../../bench/targets.js'

/*
 * The benchmark compares Hubgate with two references; a reference that answered errors, or metered nothing, would
 * make every ratio meaningless. These run each reference over real HTTP against the benchmark's mock upstream.
 */
const CHAT = JSON.stringify({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'Say hello.' }] })

async function listening (t: TestContext, entry: string, env: Record<string, string>): Promise<string> {
  const child = startTs(entry, [], env)
  t.teardown(async () => {
    if (child.exitCode !== null) return
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.kill('SIGTERM')
    await exited
  })
  const [, port] = await waitForOutput(child, /LISTENING (\d+)/)
  return `http://127.0.0.1:${port}`
}

async function chat (origin: string, headers: Record<string, string>, body = CHAT): Promise<{ status: number, json: any }> {
  const res = await fetch(`${origin}/api/v2/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body })
  return { status: res.status, json: await res.json() }
}

test('the bare proxy passes the upstream answer through', async (t) => {
  const upstream = await listening(t, 'bench/mock-upstream.ts', {})
  const bare = await listening(t, 'bench/bare-proxy.ts', { UPSTREAM_URL: upstream })
  const { status, json } = await chat(bare, {})
  t.equal(status, 200)
  t.equal(json.choices[0].message.content, 'Hello from the benchmark upstream.')
})

test('the minimal gateway authenticates, validates and meters every call', async (t) => {
  const dataDir = tempDir(t)
  const upstream = await listening(t, 'bench/mock-upstream.ts', {})
  const minimal = await listening(t, 'bench/minimal-gateway.ts', { UPSTREAM_URL: upstream, ACCESS_KEY: 'hgk_minimal', DATA_DIR: dataDir })

  t.same(await chat(minimal, {}), { status: 401, json: { error: 'Unauthorized', message: 'Authentication token is invalid or missing.' } })
  t.equal((await chat(minimal, { authorization: 'Bearer hgk_other' })).status, 401)
  t.equal((await chat(minimal, { authorization: 'Bearer hgk_minimal' }, JSON.stringify({ model: 'openai/gpt-4o-mini' }))).status, 400)

  // rows go in by fifties: exactly one batch
  const answers = await Promise.all(Array.from({ length: 50 }, async () => await chat(minimal, { authorization: 'Bearer hgk_minimal' })))
  t.ok(answers.every((a) => a.status === 200 && a.json.usage.total_tokens === 20))
  const db = new SQLite(join(dataDir, 'usage.db'), { readonly: true })
  t.teardown(() => db.close())
  t.same(db.prepare('select count(*) as calls, sum(prompt_tokens) as prompt, sum(completion_tokens) as completion, min(status) as status, max(key_id) as key from usage_records').get(),
    { calls: 50, prompt: 600, completion: 400, status: 200, key: 'key_bench' })
})

test('the long-stream scenario: the mock streams 50 chunks to a prompt with the marker, a stream cut short counts as an error', async (t) => {
  const upstream = await listening(t, 'bench/mock-upstream.ts', {})
  const bare = await listening(t, 'bench/bare-proxy.ts', { UPSTREAM_URL: upstream })
  const call = { origin: bare, path: '/api/v2/chat/completions', headers: { 'content-type': 'application/json' }, connections: 3, calls: 3 }
  const whole = await fixedCalls({ ...call, body: chatBody(true, true), intact: (answer) => answer.endsWith('data: [DONE]\n\n') && answer.split('"content":"tok "').length === 51 })
  t.same({ answered: whole.latencies.length, errors: whole.errors }, { answered: 3, errors: 0 })
  const short = await fixedCalls({ ...call, body: chatBody(true), intact: (answer) => answer.split('"content":"tok "').length === 51 })
  t.same({ answered: short.latencies.length, errors: short.errors }, { answered: 0, errors: 3 })
})
