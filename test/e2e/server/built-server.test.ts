import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { test, type Test } from 'tap'
import { staleBuildProblem } from '../../../build-freshness.js'
import { tempDir } from '../../helpers/build.js'
import { AWS_CREDENTIAL, bedrockMock } from '../../helpers/mock-bedrock.js'
import { openAIMock } from '../../helpers/mock-openai.js'
import { startMock, type MockServer } from '../../helpers/mock-server.js'
import { needs, needsAll, postgresEnv, serviceUrl } from '../../helpers/services.js'
import { redisPrefix } from '../../helpers/redis.js'
import { eventually } from '../../helpers/wait.js'

/*
 * The suite runs the TypeScript sources; `npm start` and the image run dist/, which `npm run build` bundles with
 * esbuild (cli/bundle.ts). This runs the built server as `npm start` does and makes the calls a user makes first, so a
 * module the bundle lost, a file it can no longer find, or an external package it cannot load fails here, not in
 * production. dist/ must be current: CI builds it in `npm ci`; elsewhere a stale one skips with the reason.
 */

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..')
const dist = join(root, 'dist')

function builtSkip (): { skip: string | false } {
  const problem = existsSync(join(dist, 'server.js')) ? staleBuildProblem(dist) : 'dist/ is missing'
  if (problem === undefined) return { skip: false }
  if (process.env.REQUIRE_ALL_SERVICES === '1') throw new Error(`the built server must be tested here, but ${problem}: run npm run build`)
  return { skip: `${problem}: run \`npm run build\` to test the built server` }
}

interface Started { origin: string, adminKey: string, stop: () => Promise<number | null> }

async function startBuilt (t: Test, mock: MockServer, env: Record<string, string>): Promise<Started> {
  const child = spawn(process.execPath, ['--max-old-space-size=1024', join(dist, 'server.js')], {
    cwd: root,
    env: {
      PATH: process.env.PATH,
      PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: tempDir(t),
      LOG_LEVEL: 'info',
      LOG_FORMAT: 'json',
      OPENAI_API_KEY: 'sk-test-provider-openai-0123456789',
      OPENAI_BASE_URL: mock.url,
      // the Bedrock provider an admin adds below lives on a loopback mock
      PROVIDER_ALLOWED_HOSTS: '127.0.0.1',
      ...env
    },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let output = ''
  child.stdout.setEncoding('utf8').on('data', (piece: string) => { output += piece })
  child.stderr.setEncoding('utf8').on('data', (piece: string) => { output += piece })
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve))
  t.teardown(() => { child.kill('SIGKILL') })
  const listening = (): RegExpExecArray | null => /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(output)
  await eventually(async () => listening() !== null || child.exitCode !== null, 60_000)
  const origin = listening()?.[1]
  const adminKey = /\n\s+(hgk_\S+)\n/.exec(output)?.[1]
  if (origin === undefined || adminKey === undefined) throw new Error(`the built server did not start:\n${output.slice(-4000)}`)
  return { origin, adminKey, stop: async () => { child.kill('SIGTERM'); return await exited } }
}

async function checkCalls (t: Test, mock: MockServer, started: Started): Promise<void> {
  const { origin, adminKey } = started
  const bearer = (key: string): Record<string, string> => ({ authorization: `Bearer ${key}`, 'content-type': 'application/json' })
  t.equal((await fetch(`${origin}/health/ready`)).status, 200, 'ready')

  const created = await fetch(`${origin}/api/admin/access-keys`, { method: 'POST', headers: bearer(adminKey), body: JSON.stringify({ name: 'built', scopes: ['chat'] }) })
  t.equal(created.status, 201, 'the bootstrap admin key issues a key')
  const { key } = await created.json() as { key: string }

  mock.respond(openAIMock.answer({ content: 'Hello from the mock.', usage: { prompt_tokens: 5, completion_tokens: 4 } }))
  const body = { model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] }
  const json = await fetch(`${origin}/v1/chat/completions`, { method: 'POST', headers: bearer(key), body: JSON.stringify(body) })
  t.equal(json.status, 200)
  t.match(await json.json(), { choices: [{ message: { content: 'Hello from the mock.' } }] }, 'a JSON chat call')
  t.ok(Number(json.headers.get('x-hubgate-cost')) > 0, 'priced by the built-in price list, loaded by the first call')
  const stream = await fetch(`${origin}/v1/chat/completions`, { method: 'POST', headers: bearer(key), body: JSON.stringify({ ...body, stream: true }) })
  const events = await stream.text()
  t.match(stream.headers.get('content-type'), /text\/event-stream/)
  t.match(events, /"content":"Hello/, 'a streamed chat call')
  t.match(events, /data: \[DONE\]\n\n$/)
  const aigne = await fetch(`${origin}/api/v2/chat`, { method: 'POST', headers: bearer(key), body: JSON.stringify({ input: { modelOptions: { model: 'openai/gpt-4o-mini' }, messages: [{ role: 'user', content: 'Hi' }] } }) })
  t.equal(aigne.status, 200, 'an AIGNE chat call')

  // Bedrock's AWS signer and event stream codec are bundled apart and loaded by its first call
  const bedrock = await startMock(t)
  bedrock.respond(bedrockMock.answer({ text: ['Signed and streamed.'] }))
  const provider = await fetch(`${origin}/api/admin/providers`, { method: 'POST', headers: bearer(adminKey), body: JSON.stringify({ id: 'aws', kind: 'bedrock', baseUrl: bedrock.url, models: ['amazon.nova-pro-v1:0'] }) })
  t.equal(provider.status, 201, 'a Bedrock provider added')
  const credential = await fetch(`${origin}/api/admin/providers/aws/credentials`, { method: 'POST', headers: bearer(adminKey), body: JSON.stringify({ secret: JSON.stringify(AWS_CREDENTIAL) }) })
  t.equal(credential.status, 201, 'with its AWS credential')
  const converse = await fetch(`${origin}/v1/chat/completions`, { method: 'POST', headers: bearer(key), body: JSON.stringify({ ...body, model: 'aws/amazon.nova-pro-v1:0', stream: true }) })
  t.match(await converse.text(), /Signed and streamed\.[\s\S]*data: \[DONE\]/, 'a signed Bedrock call streams (the AWS libraries loaded)')

  const anonymous = await fetch(`${origin}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  t.same([anonymous.status, await anonymous.json()], [401, { error: 'Unauthorized', message: 'Authentication token is invalid or missing.' }])
  const invalid = await fetch(`${origin}/v1/chat/completions`, { method: 'POST', headers: bearer(key), body: JSON.stringify({ model: 'openai/gpt-4o-mini' }) })
  t.equal(invalid.status, 400, 'validation runs (schemas compile on first use)')

  t.equal((await fetch(`${origin}/openapi.json`)).status, 200, 'the OpenAPI document')
  const docs = await fetch(`${origin}/docs/`)
  t.equal(docs.status, 200, 'the API docs page')
  await docs.arrayBuffer()
  const ui = await fetch(`${origin}/admin/`)
  t.match(await ui.text(), /<div id="root">/, 'the admin UI')
  const metrics = await fetch(`${origin}/metrics`, { headers: { authorization: `Bearer ${adminKey}` } })
  t.match(await metrics.text(), /hubgate_/, 'metrics')
  const usage = await fetch(`${origin}/api/admin/usage`, { headers: bearer(adminKey) })
  t.equal(usage.status, 200, 'usage')

  t.equal(await started.stop(), 0, 'SIGTERM: a clean exit')
}

test('the built server (dist/) serves as `npm start` runs it: SQLite, keys, chat, streams, docs, the admin UI', builtSkip(), async (t) => {
  const mock = await startMock(t, '/v1')
  await checkCalls(t, mock, await startBuilt(t, mock, {}))
})

test('the built server loads what it keeps outside the bundle: Postgres and Redis', needsAll(builtSkip(), needs('TEST_DATABASE_URL', 'Postgres'), needs('TEST_REDIS_URL', 'Redis')), async (t) => {
  const mock = await startMock(t, '/v1')
  const redisUrl = serviceUrl('TEST_REDIS_URL')
  const env = { ...postgresEnv(t, serviceUrl('TEST_DATABASE_URL')), REDIS_URL: redisUrl, REDIS_KEY_PREFIX: redisPrefix(t, redisUrl) }
  await checkCalls(t, mock, await startBuilt(t, mock, env))
})
