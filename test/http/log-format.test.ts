import { test } from 'tap'
import { ConfigError } from '#errors.js'
import { logStream } from '#http/log-format.js'
import { ADMIN_KEY, tempDir } from '../helpers/build.js'
import { startTs, waitForOutput } from '../helpers/run-ts.js'

const missing = async (): Promise<undefined> => undefined

test('JSON unless asked for pretty or on a terminal', async (t) => {
  t.equal(await logStream('json', true), undefined, 'LOG_FORMAT=json: JSON even on a terminal')
  t.equal(await logStream(undefined, false), undefined, 'piped (a container, a log collector): JSON')
})

test('pretty on a terminal by default, and with LOG_FORMAT=pretty anywhere', async (t) => {
  t.ok(await logStream(undefined, true), 'a terminal: a pino-pretty stream')
  t.ok(await logStream('pretty', false), 'LOG_FORMAT=pretty, piped: a pino-pretty stream')
})

test('the server started with LOG_FORMAT=pretty writes readable lines, and JSON without it', async (t) => {
  for (const [format, line] of [['pretty', /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: Server listening at http:\/\/127\.0\.0\.1:\d+$/m], ['json', /^\{"level":30,.*"msg":"Server listening at http:\/\/127\.0\.0\.1:\d+"\}$/m]] as const) {
    const child = startTs('server.ts', [], { PORT: '0', DATA_DIR: tempDir(t), ADMIN_KEY, LOG_LEVEL: 'info', LOG_FORMAT: format })
    t.teardown(() => { child.kill('SIGKILL') })
    await waitForOutput(child, line, 120_000)
    t.pass(`LOG_FORMAT=${format}`)
    child.kill('SIGTERM')
  }
})

test('without pino-pretty (the image): the default falls back to JSON, LOG_FORMAT=pretty is refused clearly', async (t) => {
  t.equal(await logStream(undefined, true, missing), undefined, 'a terminal without pino-pretty: JSON')
  await t.rejects(logStream('pretty', false, missing), ConfigError)
  await t.rejects(logStream('pretty', false, missing), /LOG_FORMAT: pretty needs the pino-pretty package/)
})
