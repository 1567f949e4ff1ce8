import type { AddressInfo } from 'node:net'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Server } from 'node:http'
import type { FastifyHttpOptions } from 'fastify'
import t0, { test } from 'tap'
import { buildApp } from '#app.js'
import { loadConfig } from '#config.js'
import { ADMIN_KEY, adminCall, tempDir } from '../../helpers/build.js'
import { PROVIDER_KEYS } from '../../helpers/gateway.js'
import { approve } from '../../helpers/connect.js'
import { startMock } from '../../helpers/mock-server.js'
import { openAIMock } from '../../helpers/mock-openai.js'
import { aigne, cliEnvironment, selfSignedCertificate } from './cli.js'

// the CLI takes 10+ s just to start on a loaded 2-core machine, and this runs it three times
t0.setTimeout(10 * 60_000)

test('the real `aigne hub connect` gets a key an admin approves, then `aigne run` and `aigne hub status` use it', async (t) => {
  const dir = tempDir(t, 'hubgate-aigne-cli-')
  const tls = selfSignedCertificate(dir)
  const upstream = await startMock(t, '/v1')
  upstream.respond(openAIMock.answer({ content: 'Hello from the connected hub.', usage: { prompt_tokens: 11, completion_tokens: 6 } }))
  const config = loadConfig({
    DATA_DIR: tempDir(t), LOG_LEVEL: 'silent', ADMIN_KEY, MAX_EVENT_LOOP_DELAY_MS: '0', BUILTIN_PRICES: 'false',
    OPENAI_API_KEY: PROVIDER_KEYS.openai, OPENAI_BASE_URL: upstream.url
  })
  const app = await buildApp(config, {}, { https: { key: tls.key, cert: tls.cert } } as unknown as FastifyHttpOptions<Server>)
  t.teardown(async () => { await app.close() })
  await app.listen({ host: '127.0.0.1', port: 0 })
  const hub = `https://127.0.0.1:${(app.server.address() as AddressInfo).port}`
  const { env, openedPage } = cliEnvironment(dir, tls.certFile)

  const connecting = aigne(['hub', 'connect', hub], env)
  const page = await Promise.race([openedPage(), connecting.then((r) => { throw new Error(`aigne hub connect ended before opening a page: ${r.stdout}${r.stderr}`) })])
  t.equal(page.origin + page.pathname, `${hub}/.well-known/service/gen-simple-access-key`, 'the CLI opened our approval page')
  t.equal(page.searchParams.get('appName')?.trim(), 'AIGNE CLI')
  const redirect = await app.inject({ url: page.pathname + page.search })
  t.equal(redirect.headers.location, `/admin/connect${page.search}`, 'which leads to the admin UI')
  const sid = Buffer.from(page.searchParams.get('__token__') ?? '', 'base64url').toString('utf8')
  const approved = await approve(app, sid, { name: page.searchParams.get('appName')?.trim(), scopes: ['chat'], creditLimit: 100 })
  t.equal(approved.statusCode, 201)
  const keyId = approved.json<{ id: string }>().id

  const connected = await connecting
  t.equal(connected.code, 0, connected.stderr)
  t.match(connected.stdout, /Hub https:\/\/127\.0\.0\.1:\d+ connected successfully/)
  const saved = readFileSync(join(dir, '.aigne', 'aigne-hub-connected.yaml'), 'utf8')
  t.match(saved, /AIGNE_HUB_API_KEY: hgk_/, 'the CLI saved the decrypted key')
  t.equal((await app.store.db.selectFrom('connect_sessions').select('id_hash').execute()).length, 0, 'and deleted its session')

  // a one-shot prompt through the connected hub (priced: a key with a credit limit refuses unpriced models)
  t.equal((await adminCall(app, { method: 'POST', url: '/api/admin/models', payload: { id: 'openai/gpt-4o-mini', inputRate: 150, outputRate: 600 } })).statusCode, 201)
  const project = join(dir, 'project')
  mkdirSync(project)
  writeFileSync(join(project, 'aigne.yaml'), 'agents:\n  - chat.yaml\n')
  writeFileSync(join(project, 'chat.yaml'), 'name: chat\ndescription: Chat agent\ninstructions: Answer briefly.\ninput_key: message\n')
  const ran = await aigne(['run', project, 'chat', '--model', 'aignehub/openai/gpt-4o-mini', '--message', 'Say hello'], env, { cwd: project })
  t.equal(ran.code, 0, ran.stderr)
  t.match(ran.stdout, /Hello from the connected hub\./)
  t.match(upstream.requests.at(-1)?.body, { model: 'gpt-4o-mini' }, 'the prompt reached the provider through Hubgate')
  const usage = await adminCall(app, { url: `/api/admin/usage?keyId=${keyId}` })
  t.match(usage.json(), { items: [{ requests: 1, promptTokens: 11, completionTokens: 6, credits: 0.00525 }] }, 'metered against the connected key')

  const status = await aigne(['hub', 'status'], env, { input: '\n' })
  t.equal(status.code, 0, status.stderr)
  t.match(status.stdout, /Name:\s+AIGNE CLI/)
  t.match(status.stdout, new RegExp(`DID:\\s+${keyId}`))
  t.match(status.stdout, /Total:\s+100/)
  t.match(status.stdout, /Available:\s+99/, 'what the prompt cost is spent')
})
