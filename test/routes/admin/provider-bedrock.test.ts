import { test } from 'tap'
import { AWS_CREDENTIAL, bedrockMock } from '../../helpers/mock-bedrock.js'
import { storeGateway } from '../../helpers/store-gateway.js'

const SESSION_TOKEN = 'FwoGZXIvYXdzEStoreSessionToken0123456789=='
const secret = (fields: Record<string, unknown>): string => JSON.stringify(fields)

test('a store Bedrock provider: its AWS credential is checked, stored encrypted, signs calls, and never shows', async (t) => {
  const gw = await storeGateway(t)
  const created = await gw.admin('POST', '/api/admin/providers', { id: 'aws', kind: 'bedrock', baseUrl: gw.mock.url, models: ['amazon.nova-pro-v1:0'] })
  t.equal(created.statusCode, 201, created.body)
  t.equal(created.json().kind, 'bedrock')

  for (const bad of ['sk-just-an-api-key-0123456789', secret({ accessKeyId: AWS_CREDENTIAL.accessKeyId }), secret({ ...AWS_CREDENTIAL, extra: 1 }), secret({ ...AWS_CREDENTIAL, accessKeyId: 'lowercase-not-a-key-id' })]) {
    const refused = await gw.admin('POST', '/api/admin/providers/aws/credentials', { secret: bad })
    t.equal(refused.statusCode, 400, bad)
    t.match(refused.json(), { error: 'Bad Request', message: /A Bedrock credential is JSON text/ })
    t.notOk(refused.body.includes(AWS_CREDENTIAL.secretAccessKey), 'the secret is not echoed')
  }
  const added = await gw.admin('POST', '/api/admin/providers/aws/credentials', { secret: secret({ ...AWS_CREDENTIAL, sessionToken: SESSION_TOKEN }) })
  t.equal(added.statusCode, 201, added.body)
  t.equal(added.json().secretHint, `…${AWS_CREDENTIAL.accessKeyId.slice(-4)}`, 'the hint is the masked access key id')

  gw.mock.respond(bedrockMock.answer({ text: ['signed'] }, {}, { ...AWS_CREDENTIAL, sessionToken: SESSION_TOKEN }, '/v1'))
  const ok = await gw.chat('aws/amazon.nova-pro-v1:0')
  t.equal(ok.statusCode, 200, ok.body)
  t.equal(ok.json().choices[0].message.content, 'signed')
  t.equal(gw.mock.requests.at(-1)?.url, '/model/amazon.nova-pro-v1%3A0/converse')

  gw.mock.respond(bedrockMock.error(403, 'UnrecognizedClientException', `The security token included in the request is invalid: ${AWS_CREDENTIAL.accessKeyId}`))
  const refused = await gw.chat('aws/amazon.nova-pro-v1:0')
  t.equal(refused.statusCode, 502)
  const listed = await gw.admin('GET', '/api/admin/providers/aws/credentials')
  t.match(listed.json().items[0].health, { state: 'disabled' }, 'a 403 takes the credential out of rotation')

  const everything = [gw.logs(), ok.body, refused.body, listed.body, (await gw.admin('GET', '/api/admin/providers/aws')).body].join('\n')
  for (const part of [AWS_CREDENTIAL.secretAccessKey, SESSION_TOKEN]) t.notOk(everything.includes(part), 'no secret part in answers or logs')
  t.notOk(refused.body.includes(AWS_CREDENTIAL.accessKeyId), 'the access key id the provider quoted is not relayed')
})

test('a Bedrock credential without a region, at a base URL that names none, fails clearly without calling AWS', async (t) => {
  const gw = await storeGateway(t)
  await gw.admin('POST', '/api/admin/providers', { id: 'aws', kind: 'bedrock', baseUrl: gw.mock.url, models: ['amazon.nova-pro-v1:0'] })
  const { region: _region, ...noRegion } = AWS_CREDENTIAL
  t.equal((await gw.admin('POST', '/api/admin/providers/aws/credentials', { secret: secret(noRegion) })).statusCode, 201)
  const res = await gw.chat('aws/amazon.nova-pro-v1:0')
  t.equal(res.statusCode, 502)
  t.match(res.json(), { error: { message: /has no AWS region/ } })
  t.equal(gw.mock.requests.length, 0)
})

test('Bedrock and Ideogram base URLs an administrator sets are address-checked like every other kind', async (t) => {
  const gw = await storeGateway(t, { PROVIDER_ALLOWED_HOSTS: '' })
  for (const [kind, baseUrl] of [['bedrock', 'http://169.254.169.254/latest'], ['ideogram', gw.mock.url]]) {
    const res = await gw.admin('POST', '/api/admin/providers', { id: `x-${kind as string}`, kind, baseUrl })
    t.equal(res.statusCode, 400, `${kind as string} at ${baseUrl as string}`)
    t.match(res.json(), { message: /is not a public address/ })
  }
  t.equal(gw.mock.requests.length, 0)
})
