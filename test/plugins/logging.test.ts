import { Writable } from 'node:stream'
import { test } from 'tap'
import { createSigner } from 'fast-jwt'
import { buildApp } from '#app.js'
import { lazyChildLogger } from '#http/lazy-logger.js'
import { loadConfig } from '#config.js'
import { ADMIN_KEY, bearer, issueKey, tempDir, type TestContext } from '../helpers/build.js'
import { sendJson, startMock } from '../helpers/mock-server.js'
import { freePort, landing, oidcEnv, signIn, startIdp } from '../helpers/idp.js'

const JWT_SECRET = 'logging-jwt-secret-0123456789abcdefghijklmnop'

/** A gateway logging at `level` (trace unless told) into memory, through buildApp's logger override. */
async function buildCapturing (t: TestContext, level = 'trace', env: Record<string, string> = {}): Promise<{ app: Awaited<ReturnType<typeof buildApp>>, lines: () => Array<Record<string, unknown>>, text: () => string }> {
  let captured = ''
  const stream = new Writable({ write (chunk: Buffer, _enc, done) { captured += chunk.toString(); done() } })
  const config = loadConfig({ DATA_DIR: tempDir(t), LOG_LEVEL: 'info', ADMIN_KEY, JWT_SECRET, ...env })
  const app = await buildApp(config, { print: () => {} }, { logger: { level, stream } })
  t.teardown(async () => { await app.close() })
  return {
    app,
    text: () => captured,
    lines: () => captured.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>)
  }
}

test('request logs carry request ids and never a key, a JWT or a cookie', async (t) => {
  const { app, text, lines } = await buildCapturing(t)
  const created = await app.inject({ method: 'POST', url: '/api/admin/access-keys', headers: bearer(ADMIN_KEY), payload: { name: 'logged' } })
  const issued = created.json<{ id: string, key: string }>()
  const rotated = (await app.inject({ method: 'POST', url: `/api/admin/access-keys/${issued.id}/rotate`, headers: bearer(ADMIN_KEY) })).json<{ key: string }>().key
  const jwt = createSigner({ key: JWT_SECRET, expiresIn: 60_000 })({ sub: 'svc', scope: 'admin' })
  const attempts = [
    bearer(rotated), bearer(issued.key), bearer(jwt), bearer(jwt.slice(0, -2)), bearer('hgk_' + 'Z'.repeat(43)),
    { authorization: `Basic ${Buffer.from(`user:${rotated}`).toString('base64')}` },
    { cookie: `session=${rotated}`, 'x-api-key': rotated }
  ]
  for (const headers of attempts) await app.inject({ url: '/api/admin/access-keys', headers: { ...headers, 'x-request-id': 'trace-me-123' } })

  const all = text()
  for (const secret of [ADMIN_KEY, issued.key, rotated, jwt, JWT_SECRET]) {
    t.notOk(all.includes(secret), `log output does not contain ${secret.slice(0, 8)}…`)
  }
  t.notOk(all.includes(Buffer.from(`user:${rotated}`).toString('base64')), 'nor the Basic credentials')
  const incoming = lines().filter((l) => l.msg === 'incoming request')
  t.equal(incoming.length, attempts.length + 2, 'every request was logged')
  t.ok(incoming.every((l) => typeof l.reqId === 'string' && l.reqId !== ''), 'each with a request id')
  t.equal(incoming.filter((l) => l.reqId === 'trace-me-123').length, attempts.length, 'a sane X-Request-Id is reused')
})

test('redaction stays on when a caller overrides the logger options', async (t) => {
  const { app, text } = await buildCapturing(t)
  app.log.info({ headers: { authorization: `Bearer ${ADMIN_KEY}`, cookie: 'sid=abc123secret', 'x-api-key': 'sk-live-123' } }, 'headers seen')
  app.log.info({ provider: { apiKey: 'sk-provider-secret' }, body: { key: 'hgk_in-a-body', token: 'tok-secret' } }, 'nested credentials')
  const all = text()
  for (const secret of [ADMIN_KEY, 'abc123secret', 'sk-live-123', 'sk-provider-secret', 'hgk_in-a-body', 'tok-secret']) {
    t.notOk(all.includes(secret), `${secret} redacted`)
  }
  t.match(all, /"authorization":"\[redacted\]"/)
})

test('a request id that is not sane is replaced by a generated one', async (t) => {
  const { app, lines } = await buildCapturing(t)
  await app.inject({ url: '/health/live', headers: { 'x-request-id': 'bad id with spaces\u0007' } })
  const incoming = lines().find((l) => l.msg === 'incoming request')
  t.match(incoming?.reqId, /^[0-9a-f-]{36}$/)
})

test('a request gets its pino child only once it logs at an enabled level, bound to its request id', async (t) => {
  const { app, lines } = await buildCapturing(t, 'warn')
  const root = app.log as unknown as { child: (...args: unknown[]) => unknown }
  const pinoChild = root.child
  let children = 0
  root.child = function (this: unknown, ...args: unknown[]) { children++; return pinoChild.apply(this, args) }
  t.teardown(() => { root.child = pinoChild })

  t.equal((await app.inject({ url: '/health/live', headers: { 'x-request-id': 'quiet-1' } })).statusCode, 200)
  t.equal(children, 0, 'a request logging nothing (info is below warn) built no child')

  const log = lazyChildLogger.call(app, app.log, { reqId: 'lazy-1' }, {}, undefined as never)
  log.info('below the level')
  log.debug({ detail: 1 }, 'below the level too')
  t.equal(children, 0, 'disabled levels neither write nor build the child')
  t.equal(log.level, 'warn', 'the level is the parent\'s')
  log.warn({ upstream: 'openai' }, 'first warning')
  log.error('then an error')
  t.equal(children, 1, 'the child is built once, on the first line written')
  const written = lines().filter((l) => l.reqId === 'lazy-1')
  t.same(written.map((l) => l.msg), ['first warning', 'then an error'])
  t.equal(written[0]?.upstream, 'openai', 'merged objects pass through')

  const debugRoute = lazyChildLogger.call(app, app.log, { reqId: 'lazy-2' }, { level: 'debug' }, undefined as never)
  t.equal(children, 2, 'a route with its own log level gets pino\'s child at once (it filters unlike its parent)')
  debugRoute.debug('route-level debug')
  t.ok(lines().some((l) => l.reqId === 'lazy-2' && l.msg === 'route-level debug'))
})

test('upstream outages log at warn; what needs an operator (a rejected provider credential) at error', async (t) => {
  const upstream = await startMock(t, '/v1')
  const { app, lines } = await buildCapturing(t, 'info', {
    OPENAI_API_KEY: 'sk-logged-never', OPENAI_BASE_URL: upstream.url, UPSTREAM_RETRIES: '0', BREAKER_FAILURES: '1'
  })
  const { key } = await issueKey(app, { name: 'outage', scopes: ['chat'] })
  const chat = async (): Promise<number> => (await app.inject({
    method: 'POST', url: '/api/v2/chat/completions', headers: bearer(key), payload: { model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }
  })).statusCode
  const lastFailure = (): Record<string, unknown> | undefined => lines().filter((l) => l.msg === 'request failed').at(-1)

  upstream.respond((_req, res) => { sendJson(res, 401, { error: { message: 'Incorrect API key provided', type: 'invalid_request_error', code: 'invalid_api_key' } }) })
  t.equal(await chat(), 502)
  t.match(lastFailure(), { level: 50, err: { code: 'HUB_UPSTREAM_AUTH' } }, 'a rejected credential is an error: an operator must act')

  upstream.respond((_req, res) => { sendJson(res, 500, { error: { message: 'The server had an error', type: 'server_error' } }) })
  t.equal(await chat(), 502)
  t.match(lastFailure(), { level: 40, err: { code: 'HUB_UPSTREAM_FAILED' } }, 'a provider failing is a warning')
  t.equal(await chat(), 503, 'that failure opened the circuit')
  t.match(lastFailure(), { level: 40, err: { code: 'HUB_PROVIDER_UNAVAILABLE' } }, 'so is every call the open circuit refuses')
  t.notOk(JSON.stringify(lines()).includes('sk-logged-never'), 'the provider key is never logged')
})

test('a key in a query string never reaches the log: secret-looking query values are [REDACTED] on 200, 401 and 404 answers', async (t) => {
  const { app, text, lines } = await buildCapturing(t, 'info')
  const { key } = await issueKey(app, { name: 'in a query string' })
  const requests: Array<[string, number]> = [
    [`/health/live?key=${key}`, 200],
    [`/api/v2/models?api_key=${key}&limit=5`, 401],
    [`/api/admin/access-keys?Token=${key}`, 401],
    [`/nowhere?access_token=${key}`, 404],
    [`/nowhere?x=1&apiKey=${encodeURIComponent(key)}&signature=${key}&password=${key}`, 404]
  ]
  for (const [url, status] of requests) t.equal((await app.inject({ url })).statusCode, status, url.replace(/\?.*/, ''))
  // an error or a field quoting a URL is redacted too
  app.log.error({ err: new Error(`GET http://upstream.example/v1?key=${key} failed`), url: `/callback?code=${key}` }, 'an error quoting a URL')

  t.notOk(text().includes(key), 'the key appears nowhere in the log')
  t.notOk(text().includes(key.slice(4, 20)), 'not even a part of it')
  const urls = lines().filter((l) => l.msg === 'incoming request').map((l) => (l.req as { url: string }).url).slice(-requests.length)
  t.same(urls, [
    '/health/live?key=[REDACTED]',
    '/api/v2/models?api_key=[REDACTED]&limit=5',
    '/api/admin/access-keys?Token=[REDACTED]',
    '/nowhere?access_token=[REDACTED]',
    '/nowhere?x=1&apiKey=[REDACTED]&signature=[REDACTED]&password=[REDACTED]'
  ], 'the rest of each URL is kept for debugging')
  t.match(lines().find((l) => l.msg === 'an error quoting a URL'), { err: { message: 'GET http://upstream.example/v1?key=[REDACTED] failed' }, url: '/callback?code=[REDACTED]' })
})

test('the OIDC callback\'s code and state are [REDACTED] in the log, and the answer carrying the session is not cached', async (t) => {
  const idp = await startIdp(t, { email: 'alice@example.com', email_verified: true })
  const port = await freePort()
  const base = `http://127.0.0.1:${port}`
  const { app, text } = await buildCapturing(t, 'info', oidcEnv(idp, { OIDC_ALLOWED_EMAILS: 'alice@example.com', PUBLIC_URL: base }))
  await app.listen({ host: '127.0.0.1', port })
  let callback = new URL(base)
  let cacheControl: string | null = null
  const landed = await signIn(base, { callback: (u) => { callback = u }, landed: (res) => { cacheControl = res.headers.get('cache-control') } })
  t.equal(cacheControl, 'no-store', 'the answer carrying the session is not cached')
  const session = landing(landed).token ?? ''
  t.match(session, /^hgs_/, 'signed in')

  const code = callback.searchParams.get('code') ?? ''
  const state = callback.searchParams.get('state') ?? ''
  t.ok(code.length > 8 && state.length > 8, 'the callback carried a code and a state')
  for (const [name, value] of Object.entries({ code, state, 'session token': session })) t.notOk(text().includes(value), `the ${name} is not logged`)
  t.match(text(), /"url":"\/api\/admin\/sso\/callback\?(code|state)=\[REDACTED\]&/)
})
