import { randomBytes } from 'node:crypto'
import { Writable } from 'node:stream'
import { test } from 'tap'
import { buildApp } from '#app.js'
import { loadConfig } from '#config.js'
import { ADMIN_KEY, bearer, issueKey, tempDir } from '../helpers/build.js'
import { byPath, openAIMediaMock } from '../helpers/mock-media.js'
import { openAIMock } from '../helpers/mock-openai.js'
import { startMock } from '../helpers/mock-server.js'

/*
 * Model names a client invents (any name passes under a provider offering "*") must not grow the gateway's state:
 * metric series, warning lines and in-memory sets stay bounded however many names are tried.
 */

const UNPRICED = 'model has no price in the catalog'

test('200 calls with random model names under a "*" provider add no metric series and a bounded number of warnings', async (t) => {
  const mock = await startMock(t, '/v1')
  mock.respond(byPath({ '/chat/completions': openAIMock.answer({ content: 'ok' }), '/embeddings': openAIMediaMock.embeddings() }))
  let logged = ''
  const stream = new Writable({ write (chunk: Buffer, _enc, done) { logged += chunk.toString(); done() } })
  const config = loadConfig({
    DATA_DIR: tempDir(t), ADMIN_KEY, MAX_EVENT_LOOP_DELAY_MS: '0', OPENAI_API_KEY: 'sk-test-provider-openai-0123456789', OPENAI_BASE_URL: mock.url, OPENAI_MODELS: 'gpt-4o,*'
  })
  const app = await buildApp(config, { print: () => {} }, { logger: { level: 'warn', stream } })
  t.teardown(async () => { await app.close() })
  const { key } = await issueKey(app, { scopes: ['chat', 'embeddings'] })
  const warnings = (): Array<Record<string, unknown>> => logged.trim().split('\n').filter((l) => l.includes(UNPRICED)).map((l) => JSON.parse(l))
  const series = async (): Promise<string[]> => (await app.inject({ url: '/metrics', headers: bearer(ADMIN_KEY) })).body
    .split('\n').filter((line) => line !== '' && !line.startsWith('#') && !line.startsWith('hubgate_process_'))
  const call = async (model: string, url = '/api/v2/chat/completions'): Promise<number> => (await app.inject({
    method: 'POST', url, headers: bearer(key), payload: url.endsWith('embeddings') ? { model, input: 'hi' } : { model, messages: [{ role: 'user', content: 'hi' }] }
  })).statusCode
  const randomModel = (): string => `openai/invented-${randomBytes(6).toString('hex')}`

  // the first calls (and scrape) open the series every later call shares: the listed model by name, the rest as "other"
  t.equal(await call('openai/gpt-4o'), 200)
  t.equal(await call(randomModel()), 200)
  t.equal(await call(randomModel(), '/api/v2/embeddings'), 200)
  await series() // the scrape's own route series
  const before = await series()
  const names: string[] = []
  for (let i = 0; i < 200; i++) {
    names.push(randomModel())
    t.equal(await call(names[i] as string, i % 4 === 0 ? '/api/v2/embeddings' : '/api/v2/chat/completions'), 200)
  }
  const after = await series()

  t.same(after.filter((line) => !before.some((b) => b.replace(/ [\d.e+-]+$/, '') === line.replace(/ [\d.e+-]+$/, ''))), [], 'no new metric series')
  t.notOk(after.some((line) => names.some((name) => line.includes(name))), 'no invented name is a label value')
  t.ok(after.some((line) => line.startsWith('hubgate_upstream_requests_total{provider="openai",model="other",status="200"}')), 'they count under "other"')
  t.ok(after.some((line) => line.startsWith('hubgate_upstream_requests_total{provider="openai",model="openai/gpt-4o",status="200"}')), 'a listed model keeps its name')
  t.ok(after.some((line) => line.startsWith('hubgate_unpriced_usage_total{model="other"}')), 'unpriced usage too')

  const lines = warnings()
  t.ok(lines.length <= 21, `${lines.length} warning lines for 202 unpriced names: at most 20 by name and one summary`)
  t.match(lines.at(-1), { suppressed: Number, msg: /not listed one by one/ }, 'the rest are summed up')
  t.equal(await call(names[0] as string), 200)
  t.equal(warnings().length, lines.length, 'a name warned about recently is not warned about again')
})
