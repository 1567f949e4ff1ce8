import { createCipheriv, hkdfSync, randomBytes } from 'node:crypto'
import { test } from 'tap'
import { SecretBox, credentialBinding } from '#keys/secret-box.js'
import { openAIMock } from '../helpers/mock-openai.js'
import { needs, postgresEnv, serviceUrl } from '../helpers/services.js'
import type { TestContext } from '../helpers/build.js'
import { storeGateway, usedSecret } from '../helpers/store-gateway.js'

const SECRET_A = 'sk-acme-secret-aaaaaaaaaaaaaaaa1111'
const SECRET_B = 'sk-other-secret-bbbbbbbbbbbbbbbb2222'

/** The ciphertext format of earlier versions (v1: AES-256-GCM without associated data), as they wrote it. */
function legacySeal (serverSecret: Buffer, plaintext: string): string {
  const key = Buffer.from(hkdfSync('sha256', serverSecret, Buffer.alloc(0), 'hubgate provider credentials v1', 32))
  const iv = randomBytes(12)
  const cipher = createCipheriv('aes-256-gcm', key, iv)
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()])
  return ['v1', ...[iv, cipher.getAuthTag(), ciphertext].map((part) => part.toString('base64url'))].join('.')
}

const stores: Array<[string, { skip: string | false }, (t: TestContext) => Record<string, string>]> = [
  ['SQLite', { skip: false }, () => ({})],
  ['Postgres', needs('TEST_DATABASE_URL', 'Postgres'), (t) => postgresEnv(t, serviceUrl('TEST_DATABASE_URL'))]
]

for (const [name, skip, env] of stores) {
  test(`${name}: a credential ciphertext copied onto another provider's row does not decrypt there, and its secret is never sent`, skip, async (t) => {
    const { app, admin, addProvider, mock, chat, logs } = await storeGateway(t, env(t))
    const [acmeId] = await addProvider('acme', [{ secret: SECRET_A }])
    const [otherId] = await addProvider('other', [{ secret: SECRET_B }])
    const rows = app.store.db.selectFrom('provider_credentials')
    const acmeRow = await rows.selectAll().where('id', '=', acmeId ?? '').executeTakeFirstOrThrow()
    // an attacker with write access to the table moves acme's sealed key under "other", which they control
    await app.store.db.updateTable('provider_credentials').set({ secret_ciphertext: acmeRow.secret_ciphertext }).where('id', '=', otherId ?? '').execute()
    await app.providerAdmin.reload()

    mock.respond(openAIMock.answer({ content: 'hi' }))
    await chat('other/gpt-4o-mini')
    t.ok(mock.requests.length > 0, 'the call reached the provider')
    t.notOk(mock.requests.some((r) => usedSecret(r.headers) === SECRET_A), 'acme\'s secret was never sent for another provider')
    t.match(logs(), /provider credential cannot be decrypted with this server secret for this row; skipped/)
    t.notOk(logs().includes(SECRET_A), 'the secret is not logged')

    const list = await admin('GET', '/api/admin/providers/acme/credentials')
    t.equal(list.json().items.length, 1, 'acme\'s own credential is untouched')
  })

  test(`${name}: a credential written before binding (v1) keeps working and is re-encrypted bound to its row`, skip, async (t) => {
    const { app, addProvider, mock, chat } = await storeGateway(t, env(t))
    const [id] = await addProvider('acme', [{ secret: 'replaced-below' }])
    const legacy = legacySeal(app.serverSecret, SECRET_A)
    await app.store.db.updateTable('provider_credentials').set({ secret_ciphertext: legacy }).where('id', '=', id ?? '').execute()
    await app.providerAdmin.reload()

    mock.respond(openAIMock.answer({ content: 'hi' }))
    t.equal((await chat('acme/gpt-4o-mini')).statusCode, 200)
    t.equal(usedSecret(mock.requests.at(-1)?.headers ?? {}), SECRET_A, 'the old row still opens')
    const row = await app.store.db.selectFrom('provider_credentials').selectAll().where('id', '=', id ?? '').executeTakeFirstOrThrow()
    t.match(row.secret_ciphertext, /^v2\./, 'resealed in the bound format')
    t.equal(new SecretBox(app.serverSecret).decrypt(row.secret_ciphertext, credentialBinding('acme', id ?? '')), SECRET_A)
    t.throws(() => new SecretBox(app.serverSecret).decrypt(row.secret_ciphertext, credentialBinding('acme', 'another-id')), 'bound to its own row only')
  })
}
