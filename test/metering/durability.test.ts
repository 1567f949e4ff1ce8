import { randomUUID } from 'node:crypto'
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { join } from 'node:path'
import { test } from 'tap'
import { request } from 'undici'
import { openAIMock } from '../helpers/mock-openai.js'
import { ADMIN_KEY, bearer, tempDir } from '../helpers/build.js'
import { openStore } from '#store/index.js'
import { gatewayWithMock } from '../helpers/gateway.js'
import type { UsageRowValues } from '#store/usage.js'

test('records still buffered at shutdown are written before the store closes', async (t) => {
  const dataDir = tempDir(t)
  // a flush interval far beyond the test: only the shutdown flush can write them
  const gw = await gatewayWithMock(t, 'openai', { DATA_DIR: dataDir, USAGE_FLUSH_MS: '3600000', USAGE_BATCH_SIZE: '1000' })
  gw.mock.respond(openAIMock.answer({ content: 'ok' }))
  for (let i = 0; i < 5; i++) t.equal((await gw.chat({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: `hi ${i}` }] })).statusCode, 200)
  t.equal(gw.app.metering.recorder.pending, 5, 'nothing written yet')
  await gw.app.close()

  const store = await openStore({ dataDir })
  t.teardown(() => store.close())
  const rows = await store.db.selectFrom('usage_records').select(['request_id', 'total_tokens']).execute()
  t.equal(rows.length, 5, 'all five records survived the shutdown')
  t.ok(rows.every((r) => r.total_tokens > 0))
})

test('a client that disconnects mid-stream is still metered, with the abort noted', async (t) => {
  const gw = await gatewayWithMock(t, 'openai')
  // a slow stream: the client leaves after the first chunk
  gw.mock.respond(openAIMock.answer({ content: 'one two three four five six seven eight' }, { hangAfter: 2 }))
  await gw.app.listen({ host: '127.0.0.1', port: 0 })
  const { port } = gw.app.server.address() as { port: number }
  const controller = new AbortController()
  const res = await request(`http://127.0.0.1:${port}/api/v2/chat/completions`, {
    method: 'POST',
    headers: { ...bearer(gw.key), 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'openai/gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'count' }] }),
    signal: controller.signal
  })
  t.equal(res.statusCode, 200)
  for await (const chunk of res.body) {
    if ((chunk as Buffer).length > 0) break
  }
  controller.abort()
  await gw.mock.abandoned()
  await gw.app.metering.recorder.flush()
  const waitForRecord = async (): Promise<Array<Record<string, unknown>>> => {
    for (let i = 0; i < 50; i++) {
      await gw.app.metering.recorder.flush()
      const rows = await gw.app.store.db.selectFrom('usage_records').selectAll().execute()
      if (rows.length > 0) return rows
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    return []
  }
  const [record] = await waitForRecord()
  t.match(record, { streamed: 1, client_aborted: 1, status: 200 }, 'recorded as an aborted stream')
  // the provider never reported usage (it was cut off): what it produced is estimated and charged
  t.ok(Number(record?.completion_tokens) > 0, 'completion tokens produced before the abort are charged')
  t.ok(Number(record?.prompt_tokens) > 0, 'the prompt is charged')
})

test('every chat route journals the usage record before the last byte of its answer leaves (JSON and streams)', async (t) => {
  const dataDir = tempDir(t)
  const journal = join(dataDir, 'usage-journal')
  // no flush during the test: the journal alone holds the records
  const gw = await gatewayWithMock(t, 'openai', { DATA_DIR: dataDir, USAGE_FLUSH_MS: '3600000', USAGE_BATCH_SIZE: '1000' })
  gw.mock.respond(openAIMock.answer({ content: 'one two three four', usage: { prompt_tokens: 3, completion_tokens: 4 } }, { pieceSize: 4 }))
  const journaled = (): string[] => existsSync(journal)
    ? readdirSync(journal).flatMap((name) => readFileSync(join(journal, name), 'utf8').split('\n').filter(Boolean).map((line) => (JSON.parse(line) as UsageRowValues)[1] as string)) // a row: request_id second
    : []
  // what the journal held when each answer's last byte was handed to the socket (res.end, also the end of a piped stream)
  const atEnd = new Map<string, string[]>()
  gw.app.server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse
    res.end = ((...args: unknown[]) => {
      atEnd.set(String(req.headers['x-request-id']), journaled())
      return end(...args)
    }) as typeof res.end
  })
  await gw.app.listen({ host: '127.0.0.1', port: 0 })
  const { port } = gw.app.server.address() as { port: number }

  const messages = [{ role: 'user', content: 'count' }]
  const aigne = (streaming: boolean): Record<string, unknown> => ({ input: { messages, modelOptions: { model: 'openai/gpt-4o-mini' } }, agent: '$CHAT_MODEL', options: { streaming } })
  const calls: Array<[string, string, Record<string, unknown>, Record<string, string>?]> = [
    ['OpenAI JSON', '/api/v2/chat/completions', { model: 'openai/gpt-4o-mini', messages }],
    ['OpenAI stream', '/api/v2/chat/completions', { model: 'openai/gpt-4o-mini', messages, stream: true }],
    ['AIGNE JSON', '/api/v2/chat', aigne(false)],
    ['AIGNE stream', '/api/v2/chat', aigne(true)],
    ['legacy JSON', '/api/v1/chat/completions', { model: 'openai/gpt-4o-mini', messages }],
    ['legacy SSE', '/api/v1/chat/completions', { model: 'openai/gpt-4o-mini', messages }, { accept: 'text/event-stream' }],
    ['legacy text stream', '/api/v1/completions', { model: 'openai/gpt-4o-mini', prompt: 'count', stream: true }]
  ]
  for (const [name, path, body, headers] of calls) {
    const requestId = randomUUID()
    const res = await request(`http://127.0.0.1:${port}${path}`, {
      method: 'POST',
      headers: { ...bearer(gw.key), 'content-type': 'application/json', 'x-request-id': requestId, ...headers },
      body: JSON.stringify(body)
    })
    t.equal(res.statusCode, 200, name)
    t.ok((await res.body.text()).length > 0, `${name}: answered`)
    t.ok(atEnd.get(requestId)?.includes(requestId), `${name}: journaled before the answer ended`)
  }
  t.equal(gw.app.metering.recorder.pending, calls.length, 'none written to the store yet')
})

test('a usage journal that cannot be written: calls still answer and are recorded, and /metrics counts the failures', async (t) => {
  const dataDir = tempDir(t)
  // a file where the journal directory should be: every open fails, as on a read-only or full volume
  writeFileSync(join(dataDir, 'usage-journal'), '')
  const gw = await gatewayWithMock(t, 'openai', { DATA_DIR: dataDir })
  gw.mock.respond(openAIMock.answer({ content: 'ok' }))
  const res = await gw.chat({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] })
  t.equal(res.statusCode, 200, 'the call is not failed because of the journal')
  await gw.app.metering.recorder.flush()
  const rows = await gw.app.store.db.selectFrom('usage_records').select('request_id').execute()
  t.equal(rows.length, 1, 'recorded from memory')
  const metrics = await gw.app.inject({ url: '/metrics', headers: bearer(ADMIN_KEY) })
  const failures = Number(/^hubgate_usage_journal_failures_total (\d+)$/m.exec(metrics.body)?.[1])
  t.ok(failures >= 1, `failures counted (${failures})`)
})
