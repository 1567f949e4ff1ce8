import { generateKeyPairSync } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'tap'
import { createSigner, type SignerOptions } from 'fast-jwt'
import { buildApp } from '#app.js'
import { ConfigError, loadConfig } from '#config.js'
import { UNAUTHORIZED, adminCall, bearer, tempDir, type TestContext } from '../helpers/build.js'
import { PROBE_URL, buildWithProbe } from '../helpers/probe.js'
import { runTs } from '../helpers/run-ts.js'

const SECRET = 'jwt-hardening-secret-0123456789abcdefghijklmnop'
const HOUR = 3_600_000
const DAY = 24 * HOUR
const KEYS = '/api/admin/access-keys'

function rsaPair (): { pem: string, privatePem: string } {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  return { pem: publicKey.export({ type: 'spki', format: 'pem' }).toString(), privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() }
}

function hs256 (payload: Record<string, unknown>, options: Partial<SignerOptions> = {}): string {
  return createSigner({ key: SECRET, algorithm: 'HS256', expiresIn: HOUR, ...options })(payload)
}

/**
 * The message of the ConfigError that refuses to start a gateway on `env` (the server exits 78 on it), whether
 * loadConfig or a plugin finds the problem; fails the test if the gateway starts.
 */
async function configRefusal (t: TestContext, env: Record<string, string>): Promise<string> {
  try {
    const app = await buildApp(loadConfig({ DATA_DIR: tempDir(t), LOG_LEVEL: 'silent', ...env }), { print: () => {} })
    await app.close()
  } catch (err) {
    if (err instanceof ConfigError) return err.message
    throw err
  }
  throw new Error(`started on ${Object.keys(env).join(', ')}`)
}

test('an HS256 token signed with the PEM text of JWT_PUBLIC_KEY cannot get in: HS* with a public key is refused at start with exit 78', async (t) => {
  const { pem } = rsaPair()
  const text = await configRefusal(t, { JWT_PUBLIC_KEY: pem, JWT_ALGORITHMS: 'RS256,HS256' })
  t.match(text, /JWT_ALGORITHMS lists HS256 with JWT_PUBLIC_KEY/)
  t.notOk(text.includes(pem.split('\n')[1] ?? pem), 'the key is not quoted')

  const file = join(tempDir(t), 'public.pem')
  writeFileSync(file, pem)
  const res = await runTs('server.ts', [], { PORT: '0', DATA_DIR: tempDir(t), JWT_PUBLIC_KEY: file, JWT_ALGORITHMS: 'HS256' })
  t.equal(res.code, 78, 'EX_CONFIG: the server does not start')
  t.match(res.stderr, /hubgate: Invalid configuration:\n {2}JWT_ALGORITHMS lists HS256 with JWT_PUBLIC_KEY/)
  t.equal(res.stdout, '', 'nothing was started')
})

test('an asymmetric algorithm with JWT_SECRET is refused at start', async (t) => {
  t.match(await configRefusal(t, { JWT_SECRET: SECRET, JWT_ALGORITHMS: 'HS256,RS256' }), /JWT_ALGORITHMS lists RS256 with JWT_SECRET/)
  const text = await configRefusal(t, { JWT_SECRET: SECRET, JWT_ALGORITHMS: 'ES256' })
  t.notOk(text.includes(SECRET), 'the secret is not quoted')
})

test('a public key that does not suit JWT_ALGORITHMS, or is no public key, is refused at start with a ConfigError', async (t) => {
  const { pem, privatePem } = rsaPair()
  const cases: Array<[Record<string, string>, RegExp]> = [
    [{ JWT_PUBLIC_KEY: pem, JWT_ALGORITHMS: 'ES256' }, /JWT_ALGORITHMS lists ES256, which the key in JWT_PUBLIC_KEY cannot verify/],
    [{ JWT_PUBLIC_KEY: privatePem }, /JWT_PUBLIC_KEY holds a private key/],
    [{ JWT_PUBLIC_KEY: join(tempDir(t), 'missing.pem') }, /JWT_PUBLIC_KEY is neither PEM text nor a readable file/],
    [{ JWT_PUBLIC_KEY: '-----BEGIN PUBLIC KEY-----\nnot a key\n-----END PUBLIC KEY-----' }, /JWT_PUBLIC_KEY is not a PEM public key/]
  ]
  for (const [env, message] of cases) {
    const text = await configRefusal(t, env)
    t.match(text, message)
    t.notOk(text.includes('PRIVATE KEY'), 'no key material in the message')
  }
})

test('without JWT_ALGORITHMS the algorithm follows the key: RS256 for RSA, ES384 for a P-384 key; an HS256 token keyed with the PEM does not pass', async (t) => {
  const { pem, privatePem } = rsaPair()
  const rsa = await buildWithProbe(t, { JWT_PUBLIC_KEY: pem })
  const claims = { sub: 'svc', scope: 'chat' }
  t.equal((await rsa.inject({ url: PROBE_URL, headers: bearer(createSigner({ key: privatePem, algorithm: 'RS256', expiresIn: HOUR })(claims)) })).statusCode, 200)
  const forged = createSigner({ key: pem, algorithm: 'HS256', expiresIn: HOUR })(claims)
  const refused = await rsa.inject({ url: PROBE_URL, headers: bearer(forged) })
  t.equal(refused.statusCode, 401, 'HS256 keyed with the public PEM')
  t.equal(refused.body, JSON.stringify(UNAUTHORIZED))

  const ec = generateKeyPairSync('ec', { namedCurve: 'P-384' })
  const ecApp = await buildWithProbe(t, { JWT_PUBLIC_KEY: ec.publicKey.export({ type: 'spki', format: 'pem' }).toString() })
  const es384 = createSigner({ key: ec.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), algorithm: 'ES384', expiresIn: HOUR })(claims)
  t.equal((await ecApp.inject({ url: PROBE_URL, headers: bearer(es384) })).statusCode, 200, 'a P-384 key verifies ES384 without JWT_ALGORITHMS')
})

test('a JWT living longer than JWT_MAX_LIFETIME_SECONDS (default one day), without iat, or issued in the future gets the standard 401', async (t) => {
  const app = await buildWithProbe(t, { JWT_SECRET: SECRET })
  const claims = { sub: 'svc', scope: 'chat' }
  t.equal((await app.inject({ url: PROBE_URL, headers: bearer(hs256(claims, { expiresIn: DAY })) })).statusCode, 200, 'exactly one day is allowed')
  const cases: Record<string, string> = {
    'ten-year exp': hs256(claims, { expiresIn: 3650 * DAY }),
    'a day and a minute': hs256(claims, { expiresIn: DAY + 60_000 }),
    'no iat': hs256(claims, { noTimestamp: true }),
    'iat an hour ahead': hs256(claims, { clockTimestamp: Date.now() + HOUR }),
    'iat a string': hs256({ ...claims, iat: 'now' }, { noTimestamp: true })
  }
  for (const [name, token] of Object.entries(cases)) {
    const res = await app.inject({ url: PROBE_URL, headers: bearer(token) })
    t.equal(res.statusCode, 401, name)
    t.equal(res.body, JSON.stringify(UNAUTHORIZED), `${name}: standard body`)
  }

  const week = await buildWithProbe(t, { JWT_SECRET: SECRET, JWT_MAX_LIFETIME_SECONDS: String(7 * 86_400) })
  t.equal((await week.inject({ url: PROBE_URL, headers: bearer(hs256(claims, { expiresIn: 2 * DAY })) })).statusCode, 200, 'a longer maximum admits longer tokens')
  const short = await buildWithProbe(t, { JWT_SECRET: SECRET, JWT_MAX_LIFETIME_SECONDS: '60' })
  const old = hs256(claims, { clockTimestamp: Date.now() - 120_000, expiresIn: HOUR })
  t.equal((await short.inject({ url: PROBE_URL, headers: bearer(old) })).statusCode, 401, 'a one-hour token under a 60 s maximum')
})

test('a JWT asking for admin is refused unless JWT_ALLOW_ADMIN=true', async (t) => {
  const app = await buildWithProbe(t, { JWT_SECRET: SECRET })
  const admin = hs256({ sub: 'ops', scope: 'chat admin' })
  const created = await app.inject({ method: 'POST', url: KEYS, headers: bearer(admin), payload: { name: 'made by a service token' } })
  t.equal(created.statusCode, 401, 'no key is created')
  t.equal(created.body, JSON.stringify(UNAUTHORIZED))
  t.equal((await app.inject({ url: PROBE_URL, headers: bearer(admin) })).statusCode, 401, 'the token is refused outright, also for chat')
  t.equal((await app.inject({ url: PROBE_URL, headers: bearer(hs256({ sub: 'ops', scope: 'chat' })) })).statusCode, 200, 'a chat token still works')
  const names = (await adminCall(app, { url: KEYS })).json<{ items: Array<{ name: string }> }>().items.map((k) => k.name)
  t.notOk(names.includes('made by a service token'), 'nothing was made by the token')

  const allowed = await buildWithProbe(t, { JWT_SECRET: SECRET, JWT_ALLOW_ADMIN: 'true' })
  t.equal((await allowed.inject({ method: 'POST', url: KEYS, headers: bearer(admin), payload: { name: 'allowed' } })).statusCode, 201, 'allowed when the operator says so')
})
