import { generateKeyPairSync } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'tap'
import { createSigner, type SignerOptions as FastJwtSignerOptions } from 'fast-jwt'
import { UNAUTHORIZED, bearer, issueKey, tempDir } from '../helpers/build.js'
import { PROBE_URL, buildWithProbe } from '../helpers/probe.js'
import { needs, postgresEnv, serviceUrl } from '../helpers/services.js'

const SECRET = 'jwt-test-secret-0123456789abcdefghijklmnopqrstuvwxyz'
const HOUR = 3_600_000

type SignerOptions = Partial<FastJwtSignerOptions & { key: string }>

/** A token for `payload`, valid for an hour unless options say otherwise. */
function sign (payload: Record<string, unknown>, options: SignerOptions = {}): string {
  return createSigner({ key: SECRET, algorithm: 'HS256', expiresIn: HOUR, ...options })(payload)
}

test('an HS256 service token reaches the route with scopes from its scope claim', async (t) => {
  const app = await buildWithProbe(t, { JWT_SECRET: SECRET })
  const res = await app.inject({ url: PROBE_URL, headers: bearer(sign({ sub: 'billing', scope: 'chat embeddings' })) })
  t.equal(res.statusCode, 200)
  t.same(res.json(), { kind: 'jwt', id: 'jwt:billing', scopes: ['chat', 'embeddings'] })

  const asArray = await app.inject({ url: PROBE_URL, headers: bearer(sign({ sub: 'billing', scope: ['chat'] })) })
  t.same(asArray.json(), { kind: 'jwt', id: 'jwt:billing', scopes: ['chat'] }, 'an array scope claim works too')
})

test('a subject with a NUL is named with U+FFFD (it is stored: usage records, the audit log), on Postgres too', needs('TEST_DATABASE_URL', 'Postgres'), async (t) => {
  const app = await buildWithProbe(t, { JWT_SECRET: SECRET, JWT_ALLOW_ADMIN: 'true', ...postgresEnv(t, serviceUrl('TEST_DATABASE_URL')) })
  const token = sign({ sub: 'ops\u0000bot', scope: 'chat admin' })
  t.match((await app.inject({ url: PROBE_URL, headers: bearer(token) })).json(), { id: 'jwt:ops\ufffdbot' })
  const created = await app.inject({ method: 'POST', url: '/api/admin/access-keys', headers: bearer(token), payload: { name: 'made by a service' } })
  t.equal(created.statusCode, 201)
  const [entry] = await app.store.audit.list({ limit: 1, offset: 0 })
  t.equal(entry?.actor, 'jwt:ops\ufffdbot', 'the audit log names the service')
})

test('a service token without the route scope gets insufficient_scope', async (t) => {
  const app = await buildWithProbe(t, { JWT_SECRET: SECRET })
  for (const payload of [{ sub: 's' }, { sub: 's', scope: 'images' }, { sub: 's', scope: 'chatty' }]) {
    const res = await app.inject({ url: PROBE_URL, headers: bearer(sign(payload)) })
    t.equal(res.statusCode, 401, JSON.stringify(payload))
    t.equal(res.body, JSON.stringify(UNAUTHORIZED))
    t.equal(res.headers['www-authenticate'], 'Bearer realm="hubgate", error="insufficient_scope"')
  }
  const allowed = await buildWithProbe(t, { JWT_SECRET: SECRET, JWT_ALLOW_ADMIN: 'true' })
  const admin = await allowed.inject({ url: '/api/admin/access-keys', headers: bearer(sign({ sub: 'ops', scope: 'admin' })) })
  t.equal(admin.statusCode, 200, 'with JWT_ALLOW_ADMIN, an admin-scoped service token manages keys')
})

test('a models claim limits the models a service token may use', async (t) => {
  const app = await buildWithProbe(t, { JWT_SECRET: SECRET })
  const token = sign({ sub: 's', scope: 'chat', models: ['openai/*'] })
  t.equal((await app.inject({ url: `${PROBE_URL}?model=openai/gpt-4o`, headers: bearer(token) })).statusCode, 200)
  t.equal((await app.inject({ url: `${PROBE_URL}?model=anthropic/claude`, headers: bearer(token) })).statusCode, 401)
})

test('bad, expired, unsigned or mis-addressed tokens get the seed 401, never a 500', async (t) => {
  const app = await buildWithProbe(t, { JWT_SECRET: SECRET, JWT_ISSUER: 'https://issuer.example', JWT_AUDIENCE: 'hubgate' })
  const claims = { sub: 's', scope: 'chat' }
  const addressed = { iss: 'https://issuer.example', aud: 'hubgate' }
  t.equal((await app.inject({ url: PROBE_URL, headers: bearer(sign(claims, addressed)) })).statusCode, 200, 'well-addressed token works')

  const cases: Record<string, string> = {
    'wrong secret': sign(claims, { ...addressed, key: SECRET.replace('0', '1') }),
    expired: sign(claims, { ...addressed, clockTimestamp: Date.now() - 2 * HOUR }),
    'not yet valid': sign(claims, { ...addressed, notBefore: HOUR }),
    'missing exp': sign(claims, { ...addressed, expiresIn: undefined }),
    'wrong algorithm (HS512)': sign(claims, { ...addressed, algorithm: 'HS512' }),
    'alg none': createSigner({ algorithm: 'none', expiresIn: HOUR, ...addressed })(claims),
    'wrong audience': sign(claims, { ...addressed, aud: 'someone-else' }),
    'missing audience': sign(claims, { iss: addressed.iss }),
    'missing issuer': sign(claims, { aud: addressed.aud }),
    'wrong issuer': sign(claims, { ...addressed, iss: 'https://evil.example' }),
    'tampered payload': (() => {
      const [h, , s] = sign(claims, addressed).split('.')
      return `${h}.${Buffer.from(JSON.stringify({ ...claims, scope: 'admin chat', exp: 9e9, ...addressed })).toString('base64url')}.${s}`
    })(),
    'malformed three parts': 'a.b.c',
    'header is not JSON': `${Buffer.from('nope').toString('base64url')}.e30.sig`
  }
  for (const [name, token] of Object.entries(cases)) {
    const res = await app.inject({ url: PROBE_URL, headers: bearer(token) })
    t.equal(res.statusCode, 401, name)
    t.equal(res.body, JSON.stringify(UNAUTHORIZED), `${name}: seed body`)
    t.equal(res.headers['www-authenticate'], 'Bearer realm="hubgate", error="invalid_token"', `${name}: challenge`)
  }
})

test('a JWT is refused when no JWT verification is configured', async (t) => {
  const app = await buildWithProbe(t)
  const res = await app.inject({ url: PROBE_URL, headers: bearer(sign({ sub: 's', scope: 'chat' })) })
  t.equal(res.statusCode, 401)
  t.equal(res.body, JSON.stringify(UNAUTHORIZED))
})

test('access keys keep working next to JWT verification', async (t) => {
  const app = await buildWithProbe(t, { JWT_SECRET: SECRET })
  const { key } = await issueKey(app)
  t.equal((await app.inject({ url: PROBE_URL, headers: bearer(key) })).statusCode, 200)
})

test('RS256 tokens verify against a PEM public key given inline', async (t) => {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString()
  const app = await buildWithProbe(t, { JWT_PUBLIC_KEY: pem })
  const key = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
  const token = createSigner({ key, algorithm: 'RS256', expiresIn: HOUR })({ sub: 'svc', scope: 'chat' })
  const res = await app.inject({ url: PROBE_URL, headers: bearer(token) })
  t.equal(res.statusCode, 200)
  t.same(res.json(), { kind: 'jwt', id: 'jwt:svc', scopes: ['chat'] })

  const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
  const forged = createSigner({ key: other, algorithm: 'RS256', expiresIn: HOUR })({ sub: 'svc', scope: 'chat' })
  t.equal((await app.inject({ url: PROBE_URL, headers: bearer(forged) })).statusCode, 401, 'signed by another key')

  // algorithm confusion: an HMAC token keyed with the public key must not pass as RS256
  const confused = createSigner({ key: pem, algorithm: 'HS256', expiresIn: HOUR })({ sub: 'svc', scope: 'chat' })
  const res2 = await app.inject({ url: PROBE_URL, headers: bearer(confused) })
  t.equal(res2.statusCode, 401, 'HS256 signed with the public key')
  t.equal(res2.body, JSON.stringify(UNAUTHORIZED))
})

test('ES256 tokens verify against a public key read from a file', async (t) => {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const file = join(tempDir(t), 'jwt.pub.pem')
  writeFileSync(file, publicKey.export({ type: 'spki', format: 'pem' }))
  const app = await buildWithProbe(t, { JWT_PUBLIC_KEY: file, JWT_ALGORITHMS: 'ES256' })
  const key = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
  const token = createSigner({ key, algorithm: 'ES256', expiresIn: HOUR })({ sub: 'svc', scope: 'chat images' })
  const res = await app.inject({ url: PROBE_URL, headers: bearer(token) })
  t.equal(res.statusCode, 200)
  t.same(res.json(), { kind: 'jwt', id: 'jwt:svc', scopes: ['chat', 'images'] })
  const expired = createSigner({ key, algorithm: 'ES256', expiresIn: 1000, clockTimestamp: Date.now() - HOUR })({ sub: 'svc', scope: 'chat' })
  t.equal((await app.inject({ url: PROBE_URL, headers: bearer(expired) })).statusCode, 401, 'expired ES256 token')
})
