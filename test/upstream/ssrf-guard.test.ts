import { test } from 'tap'
import { loadConfig } from '#config.js'
import { AddressGuard, isPublicAddress, type ResolveHost } from '#upstream/address-guard.js'
import { ClientSignal } from '#upstream/client-signal.js'
import { UpstreamHttp } from '#upstream/http.js'
import type { UpstreamCall } from '#upstream/types.js'
import type { TestContext } from '../helpers/build.js'
import { sendJson, startMock, type MockServer } from '../helpers/mock-server.js'

/* The address guard on its own, and on the connections UpstreamHttp opens for admin-configured (store) providers. */

const SECRET = 'sk-store-secret-must-stay-home-0123'

test('non-public addresses are told from public ones, in every IPv4 and IPv6 form', async (t) => {
  const nonPublic = [
    '127.0.0.1', '127.255.255.254', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '100.64.0.1',
    '0.0.0.0', '0.1.2.3', '224.0.0.1', '239.255.255.250', '240.0.0.1', '255.255.255.255', '198.18.0.1', '192.0.2.1', '203.0.113.9',
    '::1', '::', 'fc00::1', 'fd12:3456::1', 'fe80::1', 'ff02::1', '2001:db8::1', '::ffff:127.0.0.1', '::ffff:7f00:1',
    '::ffff:169.254.169.254', '::127.0.0.1', '64:ff9b::a9fe:a9fe', '2002:7f00:1::1', 'not-an-ip'
  ]
  for (const address of nonPublic) t.notOk(isPublicAddress(address), `${address} is not public`)
  for (const address of ['93.184.216.34', '8.8.8.8', '172.32.0.1', '100.128.0.1', '2606:4700::1111', '::ffff:8.8.8.8', '64:ff9b::808:808']) {
    t.ok(isPublicAddress(address), `${address} is public`)
  }
})

test('save-time check: scheme, user info, loopback names and encoded addresses are refused; the allow-list admits, and a bad one stops the start', async (t) => {
  const resolve: ResolveHost = async (host) => [{ address: host === 'api.example.test' ? '93.184.216.34' : '127.0.0.1', family: 4 }]
  const guard = new AddressGuard(undefined, resolve)
  await guard.checkBaseUrl('https://api.example.test/v1')
  for (const [url, message] of [
    ['ftp://api.example.test/', /http or https/],
    ['https://user:hunter2@api.example.test/v1', /must not carry a user name or password/],
    ['http://2130706433/v1', /host 127\.0\.0\.1 is not a public address/],
    ['http://0x7f.1/v1', /host 127\.0\.0\.1 is not a public address/],
    ['http://[::ffff:127.0.0.1]/v1', /host ::ffff:7f00:1 is not a public address/],
    ['http://internal.test/v1', /host internal\.test is not a public address.*PROVIDER_ALLOWED_HOSTS/]
  ] as const) {
    const err = await guard.checkBaseUrl(url).catch((e: unknown) => e) as { statusCode?: number, message: string }
    t.equal(err.statusCode, 400, url)
    t.match(err.message, message, url)
    t.notOk(err.message.includes('hunter2'), 'a password in the URL is not echoed')
  }
  const failing = new AddressGuard(undefined, async () => { throw Object.assign(new Error('nope'), { code: 'ENOTFOUND' }) })
  t.match(await failing.checkBaseUrl('https://nowhere.test').catch((e: Error) => e.message), 'baseUrl host nowhere.test could not be resolved.')

  const allowing = new AddressGuard(' Internal.Test. , 10.0.0.0/8,[::1],127.0.0.1', resolve)
  for (const url of ['http://internal.test/v1', 'http://10.9.8.7:11434/v1', 'http://[::1]:8080', 'http://127.0.0.1:9/v1', 'http://[::ffff:127.0.0.1]/']) {
    await t.resolves(allowing.checkBaseUrl(url), `${url} is allowed`)
  }
  await t.rejects(allowing.checkBaseUrl('http://169.254.169.254/latest'), { statusCode: 400, message: /host 169\.254\.169\.254 is not a public address/ }, 'an address outside the list is still refused')
  for (const bad of ['10.0.0.0/40', 'ollama.internal/8', '::1/129', '10.0.0.0/x']) {
    t.throws(() => loadConfig({ PROVIDER_ALLOWED_HOSTS: `127.0.0.1,${bad}` }), { name: 'ConfigError', message: `PROVIDER_ALLOWED_HOSTS: ${bad} is not a valid CIDR range` })
  }
  t.equal(loadConfig({ PROVIDER_ALLOWED_HOSTS: 'localhost, 10.0.0.0/8,fd00::/8' }).PROVIDER_ALLOWED_HOSTS, 'localhost, 10.0.0.0/8,fd00::/8')
})

interface Calls { http: UpstreamHttp, call: (baseUrl: string, source: string) => UpstreamCall }

function upstream (t: TestContext, guard: AddressGuard): Calls {
  const http = new UpstreamHttp({ connectMs: 2_000, headersMs: 2_000, idleMs: 2_000 }, undefined, guard)
  t.teardown(async () => { await http.close() })
  return {
    http,
    call: (baseUrl, source) => ({
      provider: { id: 'acme', kind: 'openai-compatible', displayName: 'Acme', baseUrl, apiKey: SECRET, models: ['*'], source },
      model: 'm',
      signal: new ClientSignal(),
      http
    })
  }
}

async function post ({ http }: Calls, call: UpstreamCall): Promise<string> {
  return await http.postJsonForText(call, { path: '/chat/completions', headers: { authorization: `Bearer ${SECRET}` }, body: '{}' })
}

function answering (mock: MockServer): void {
  mock.respond((_req, res) => { sendJson(res, 200, { ok: true }) })
}

test('connect-time check: a store provider at a loopback address is refused before anything is sent; an env provider is trusted', async (t) => {
  const mock = await startMock(t, '/v1')
  answering(mock)
  const calls = upstream(t, new AddressGuard(undefined))
  await t.rejects(post(calls, calls.call(mock.url, 'store')), { statusCode: 502, message: /Refused to connect to provider acme: its host is not a public address/ })
  const port = new URL(mock.url).port
  for (const host of ['localhost', '[::ffff:127.0.0.1]', '2130706433']) {
    await t.rejects(post(calls, calls.call(`http://${host}:${port}/v1`, 'store')), { message: /Refused to connect/ }, host)
  }
  t.equal(mock.requests.length, 0, 'the loopback service received nothing, so no credential either')
  t.equal(await post(calls, calls.call(mock.url, 'env')), '{"ok":true}', 'environment providers use the unguarded path')
})

test('DNS rebinding: a name that resolved to a public address at save and resolves to loopback at connect is refused', async (t) => {
  const mock = await startMock(t, '/v1')
  answering(mock)
  const answers = [[{ address: '93.184.216.34', family: 4 }], [{ address: '93.184.216.34', family: 4 }, { address: '127.0.0.1', family: 4 }]]
  let lookups = 0
  const guard = new AddressGuard(undefined, async () => answers[Math.min(lookups++, answers.length - 1)] ?? [])
  const baseUrl = `http://rebind.test:${new URL(mock.url).port}/v1`
  await guard.checkBaseUrl(baseUrl)
  const calls = upstream(t, guard)
  await t.rejects(post(calls, calls.call(baseUrl, 'store')), { message: /its host resolves to an address that is not public/ })
  t.equal(mock.requests.length, 0, 'no request, no credential reached the loopback service')
})

test('an allow-listed name or address is connected to; no redirect is followed to another host', async (t) => {
  const mock = await startMock(t, '/v1')
  const elsewhere = await startMock(t, '/v1')
  answering(elsewhere)
  const port = new URL(mock.url).port
  const calls = upstream(t, new AddressGuard('ollama.internal,127.0.0.0/8', async () => [{ address: '127.0.0.1', family: 4 }]))
  mock.respond((_req, res) => { res.writeHead(302, { location: `${elsewhere.url}/chat/completions` }).end() })
  for (const baseUrl of [mock.url, `http://ollama.internal:${port}/v1`]) {
    await t.rejects(post(calls, calls.call(baseUrl, 'store')), { statusCode: 502, message: /failed \(HTTP 302\)/ }, baseUrl)
  }
  t.equal(mock.requests.length, 2, 'both reached the allowed host')
  t.equal(elsewhere.requests.length, 0, 'the redirect was not followed')
})
