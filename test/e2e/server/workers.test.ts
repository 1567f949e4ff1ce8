import { request as httpRequest } from 'node:http'
import { join } from 'node:path'
import { randomUUID } from 'node:crypto'
import t0, { test } from 'tap'
import SQLite from 'better-sqlite3'
import { tempDir } from '../../helpers/build.js'
import { openAIChunks, openAIMock } from '../../helpers/mock-openai.js'
import { startMock } from '../../helpers/mock-server.js'
import { runTs, startTs } from '../../helpers/run-ts.js'
import { eventually } from '../../helpers/wait.js'
import { chatBody, MODEL } from '../scale/cluster.js'

// the primary and two workers each compile the TypeScript tree on a busy 2-core machine: one cluster serves every check
t0.setTimeout(600_000)


interface Answer { status: number, text: string }

/** One request on a connection of its own, so the cluster's round robin spreads calls over the workers. */
async function call (origin: string, path: string, key: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  return await new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body)
    const req = httpRequest(`${origin}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      agent: false,
      headers: { authorization: `Bearer ${key}`, connection: 'close', ...(payload === undefined ? {} : { 'content-type': 'application/json' }), ...headers }
    }, (res) => {
      let text = ''
      res.setEncoding('utf8').on('data', (piece: string) => { text += piece }).on('end', () => { resolve({ status: res.statusCode ?? 0, text }) })
    })
    req.on('error', reject)
    req.end(payload)
  })
}

/** The JSON log lines a process tree has written so far (the primary's and every worker's). */
function logLines (output: string): Array<Record<string, any>> {
  return output.split('\n').filter((line) => line.startsWith('{')).flatMap((line) => { try { return [JSON.parse(line)] } catch { return [] } })
}

test('WORKERS=2: one port, one SQLite database, limits exact across workers, revocation, a worker restarted, SIGTERM drains', async (t) => {
  const mock = await startMock(t, '/v1')
  mock.respond(openAIMock.answer({ content: 'ok', usage: { prompt_tokens: 40, completion_tokens: 60 } }))
  const dataDir = tempDir(t)
  const primary = startTs('server.ts', [], {
    WORKERS: '2',
    PORT: '0',
    DATA_DIR: dataDir,
    LOG_LEVEL: 'info',
    OPENAI_API_KEY: 'sk-test-provider-openai-0123456789',
    OPENAI_BASE_URL: mock.url,
    // no catalog refresh within the test: the rate an admin sets through one worker reaches the other over the
    // cluster's IPC before the admin's answer (else that worker would price the model at the built-in list's rate)
    CATALOG_REFRESH_MS: '600000',
    // records stay in the workers' journals until shutdown: what a killed worker leaves only its replacement can write
    USAGE_FLUSH_MS: '600000',
    USAGE_BATCH_SIZE: '100000',
    SHUTDOWN_GRACE_MS: '20000',
    MAX_EVENT_LOOP_DELAY_MS: '0',
    // the provider an admin adds below lives on the loopback mock
    PROVIDER_ALLOWED_HOSTS: '127.0.0.1'
  })
  t.teardown(() => { primary.kill('SIGKILL') })
  let output = ''
  primary.stdout?.setEncoding('utf8').on('data', (piece: string) => { output += piece })
  let errors = ''
  primary.stderr?.setEncoding('utf8').on('data', (piece: string) => { errors += piece })
  let exitCode: number | null | undefined
  const exited = new Promise<number | null>((resolve) => primary.on('exit', (code) => { exitCode = code; resolve(code) }))
  const listening = (): Array<Record<string, any>> => logLines(output).filter((line) => /^Server listening at /.test(line.msg ?? ''))
  await eventually(async () => exitCode !== undefined || new Set(listening().map((line) => line.pid)).size === 2, 400_000)
  if (new Set(listening().map((line) => line.pid)).size !== 2) {
    t.fail(`two workers listen (primary exit code ${String(exitCode)})`, { stdout: output, stderr: errors })
    return
  }
  const origin = /http:\/\/127\.0\.0\.1:\d+/.exec(listening()[0]!.msg)![0]
  t.ok(listening().every((line) => line.msg.includes(origin)), 'on one port')

  const notices = output.match(/Hubgate bootstrap admin key \(shown once/g) ?? []
  t.equal(notices.length, 1, 'the bootstrap admin key is printed once, not once per worker')
  const adminKey = /\n\s+(hgk_\S+)\n/.exec(output)![1]!
  const admin = async (path: string, body?: unknown): Promise<any> => {
    const answer = await call(origin, path, adminKey, body ?? {})
    if (answer.status >= 300) throw new Error(`${path}: ${answer.status} ${answer.text}`)
    return JSON.parse(answer.text)
  }
  const chat = async (key: string, requestId = randomUUID()): Promise<number> =>
    (await call(origin, '/api/v2/chat/completions', key, chatBody, { 'x-request-id': requestId })).status
  /** Pids of the workers that logged a completed request with one of `ids`. */
  /** The workers (pids) that answered these requests, once every one's 'request completed' line is in (logs arrive after answers). */
  const servedBy = async (ids: Set<string>): Promise<Set<number>> => {
    const completed = (): Array<Record<string, unknown>> => logLines(output).filter((line) => line.msg === 'request completed' && ids.has(line.reqId as string))
    await eventually(async () => new Set(completed().map((line) => line.reqId)).size === ids.size, 10_000)
    return new Set(completed().map((line) => line.pid as number))
  }

  await t.test('calls are spread over both workers', async (t) => {
    const { key } = await admin('/api/admin/access-keys', { name: 'spread', scopes: ['chat'] })
    const ids = new Set(Array.from({ length: 6 }, () => randomUUID()))
    for (const id of ids) t.equal(await chat(key, id), 200)
    t.equal((await servedBy(ids)).size, 2, 'both workers served some')
  })

  await t.test('requests per minute are exact across workers: 5 of 12 parallel calls pass', async (t) => {
    const { key } = await admin('/api/admin/access-keys', { name: 'rpm', scopes: ['chat'], rpm: 5 })
    const ids = Array.from({ length: 12 }, () => randomUUID())
    const statuses = await Promise.all(ids.map(async (id) => await chat(key, id)))
    t.equal(statuses.filter((s) => s === 200).length, 5, 'five served')
    t.equal(statuses.filter((s) => s === 429).length, 7, 'the rest refused, whichever worker they reached')
    t.equal((await servedBy(new Set(ids))).size, 2, 'both workers took part')
  })

  let budgetKeyId = ''
  let budgetLimit = 0
  await t.test('a credit limit across workers: parallel calls reserve exactly what fits, never more', async (t) => {
    await admin('/api/admin/models', { id: MODEL, inputRate: 1000, outputRate: 1000 })
    // worst case per call: prompt bytes + max_tokens at 1000 credits per 1M tokens (as metering/admission.ts reserves)
    const estimate = (Buffer.byteLength(JSON.stringify(chatBody.messages)) + Buffer.byteLength('[]') + chatBody.max_tokens) * 1000 / 1e6
    budgetLimit = estimate * 5.5
    const { id, key } = await admin('/api/admin/access-keys', { name: 'budgeted', scopes: ['chat'], creditLimit: budgetLimit })
    budgetKeyId = id
    // the provider holds every admitted call until all 16 are admitted or refused, so all reservations overlap
    let release: () => void = () => {}
    const held = new Promise<void>((resolve) => { release = resolve })
    const upstreamBefore = mock.requests.length
    mock.respond(async (req, res) => { await held; await openAIMock.answer({ content: 'ok', usage: { prompt_tokens: 40, completion_tokens: 60 } })(req, res) })
    const ids = Array.from({ length: 16 }, () => randomUUID())
    let refused = 0
    const calls = ids.map(async (id) => { const status = await chat(key, id); if (status === 402) refused++; return status })
    t.ok(await eventually(async () => mock.requests.length - upstreamBefore + refused === 16, 60_000), 'every call admitted or refused')
    release()
    const statuses = await Promise.all(calls)
    mock.respond(openAIMock.answer({ content: 'ok', usage: { prompt_tokens: 40, completion_tokens: 60 } }))
    t.equal(statuses.filter((s) => s === 200).length, 5, 'exactly the five reservations that fit the limit together')
    t.equal(statuses.filter((s) => s === 402).length, 11, 'the rest refused for credits')
    t.equal((await servedBy(new Set(ids))).size, 2, 'both workers admitted calls')
  })

  await t.test('a key revoked through one worker is refused by every worker from the next request', async (t) => {
    const { id, key } = await admin('/api/admin/access-keys', { name: 'to-revoke', scopes: ['chat'] })
    const warm = new Set(Array.from({ length: 4 }, () => randomUUID()))
    for (const requestId of warm) t.equal(await chat(key, requestId), 200)
    t.equal((await servedBy(warm)).size, 2, 'both workers cached the key')
    await admin(`/api/admin/access-keys/${id}/revoke`)
    const after = new Set(Array.from({ length: 6 }, () => randomUUID()))
    const statuses = []
    for (const requestId of after) statuses.push(await chat(key, requestId))
    t.same(statuses, statuses.map(() => 401), 'refused at once')
    t.equal((await servedBy(after)).size, 2, 'by both workers')
  })

  await t.test('a provider and its credential added through one worker serve on every worker from the next call', async (t) => {
    await admin('/api/admin/providers', { id: 'acme', kind: 'openai-compatible', baseUrl: mock.url, models: ['acme-1'] })
    await admin('/api/admin/providers/acme/credentials', { secret: 'sk-acme-0123456789abcdef' })
    const { key } = await admin('/api/admin/access-keys', { name: 'acme-user', scopes: ['chat'] })
    const ids = new Set(Array.from({ length: 6 }, () => randomUUID()))
    const before = mock.requests.length
    const statuses = []
    for (const id of ids) statuses.push((await call(origin, '/api/v2/chat/completions', key, { ...chatBody, model: 'acme/acme-1' }, { 'x-request-id': id })).status)
    t.same(statuses, statuses.map(() => 200), 'served at once')
    t.equal((await servedBy(ids)).size, 2, 'by both workers')
    t.ok(mock.requests.slice(before).every((r) => r.headers.authorization === 'Bearer sk-acme-0123456789abcdef'), 'with the new credential')
  })

  const journaled = new Set<string>()
  let journalKeyId = ''
  await t.test('a worker SIGKILLed is replaced on the same port, and its replacement replays its journal', async (t) => {
    const { id, key } = await admin('/api/admin/access-keys', { name: 'journal', scopes: ['chat'] })
    journalKeyId = id
    for (let n = 0; n < 6; n++) {
      const requestId = randomUUID()
      t.equal(await chat(key, requestId), 200)
      journaled.add(requestId)
    }
    const victim = [...await servedBy(journaled)][0]!
    const before = listening().length
    process.kill(victim, 'SIGKILL')
    t.ok(await eventually(async () => listening().length > before, 120_000), 'a replacement worker listens')
    const replacement = listening().at(-1)!
    t.not(replacement.pid, victim)
    t.ok(logLines(output).some((line) => line.pid === replacement.pid && /replaying usage records/.test(line.msg ?? '')), 'the replacement replays what the dead worker journaled')
    const requestId = randomUUID()
    t.equal(await chat(key, requestId), 200, 'the cluster serves on')
    journaled.add(requestId)
  })

  await t.test('a second, independent gateway on the same DATA_DIR is refused while the cluster holds it', async (t) => {
    const second = await runTs('server.ts', [], { PORT: '0', DATA_DIR: dataDir, DATA_DIR_LOCK_WAIT_MS: '0', LOG_LEVEL: 'warn' }, 120_000)
    t.equal(second.code, 1)
    t.match(second.stderr, /DATA_DIR .* is in use by another running Hubgate process/)
  })

  await t.test('SIGTERM to the primary: an open stream finishes, every worker drains, exit 0', async (t) => {
    const { key } = await admin('/api/admin/access-keys', { name: 'stream', scopes: ['chat'] })
    let release: () => void = () => {}
    const released = new Promise<void>((resolve) => { release = resolve })
    const chunks = openAIChunks({ content: 'a slow answer, piece by piece' }, true, 6).map((data) => `data: ${data}\n\n`)
    let started: () => void = () => {}
    const upstreamStarted = new Promise<void>((resolve) => { started = resolve })
    mock.respond(async (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' })
      res.write(chunks[0])
      started()
      await released
      for (const chunk of chunks.slice(1)) res.write(chunk)
      res.end('data: [DONE]\n\n')
    })
    const stream = call(origin, '/api/v2/chat/completions', key, { ...chatBody, stream: true })
    await upstreamStarted
    primary.kill('SIGTERM')
    t.ok(await eventually(async () => logLines(output).filter((line) => line.msg === 'shutting down: draining in-flight requests').length >= 2, 30_000), 'both workers drain')
    release()
    const answer = await stream
    t.equal(answer.status, 200)
    t.match(answer.text, /data: \[DONE\]\n\n$/, 'the stream finished')
    t.equal(await exited, 0, 'the primary exits 0')
  })

  await t.test('after shutdown the one database holds every call, the killed worker\'s too, and spend within the limit', async (t) => {
    const db = new SQLite(join(dataDir, 'hubgate.db'), { readonly: true })
    t.teardown(() => db.close())
    const ids = new Set((db.prepare('select request_id from usage_records where key_id = ?').pluck().all(journalKeyId) as string[]))
    t.same([...journaled].filter((id) => !ids.has(id)), [], `each of the ${journaled.size} calls has its usage record`)
    const spent = db.prepare('select coalesce(sum(credits), 0) from usage_records where key_id = ?').pluck().get(budgetKeyId) as number
    t.ok(spent > 0 && spent <= budgetLimit + 1e-9, `recorded spend ${spent} within the limit ${budgetLimit}`)
  })
})
