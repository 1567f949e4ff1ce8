import { test } from 'tap'
import { AWS_CREDENTIAL, bedrockMock, signatureProblem } from '../../helpers/mock-bedrock.js'
import { formFields, ideogramMock } from '../../helpers/mock-ideogram.js'
import { storeGateway } from '../../helpers/store-gateway.js'

/*
 * Bedrock's runtime and Ideogram have no models list: their connection test sends a request the API refuses only after
 * checking the credential (a Converse without messages, a generate without a prompt) and reads the status.
 */

const secret = (fields: Record<string, unknown>): string => JSON.stringify(fields)
const IDEOGRAM_KEY = 'ideogram-store-key-0123456789abcdef'

test('Bedrock: a signed Converse without messages proves the AWS credential (400 ValidationException) and generates nothing', async (t) => {
  const gw = await storeGateway(t)
  await gw.admin('POST', '/api/admin/providers', { id: 'aws', kind: 'bedrock', baseUrl: gw.mock.url, models: ['amazon.nova-pro-v1:0'] })
  t.equal((await gw.admin('POST', '/api/admin/providers/aws/credentials', { secret: secret(AWS_CREDENTIAL) })).statusCode, 201)
  gw.mock.respond(bedrockMock.answer({ text: ['must never be generated'] }, {}, AWS_CREDENTIAL, '/v1'))

  const ok = await gw.admin('POST', '/api/admin/providers/aws/test')
  t.equal(ok.statusCode, 200)
  t.match(ok.json(), { ok: true, status: 400, message: 'Provider aws answered 400 to a request that generates nothing: it accepted the credential.' })
  t.type(ok.json().latencyMs, 'number')
  const probe = gw.mock.requests[0]
  t.match(probe, { method: 'POST', url: '/model/amazon.nova-pro-v1%3A0/converse' })
  t.same(probe?.body, { messages: [] }, 'nothing to generate from')
  t.equal(probe === undefined ? 'no request' : await signatureProblem(probe, AWS_CREDENTIAL, '/v1'), undefined, 'signed as the calls are, SigV4 with the stored key')
  t.notOk(ok.body.includes('conversation'), 'the answer\'s text is not relayed')

  // the same key id with another secret: AWS refuses the signature; an unknown key id: the token
  for (const [name, wrong] of [['a wrong secret', { ...AWS_CREDENTIAL, secretAccessKey: 'wrong/Secret+Access+Key0123456789abcdefgh' }], ['an unknown key id', { ...AWS_CREDENTIAL, accessKeyId: 'AKIAUNKNOWNKEY000001' }]] as const) {
    await gw.admin('POST', '/api/admin/providers', { id: 'aws-wrong', kind: 'bedrock', baseUrl: gw.mock.url, models: ['amazon.nova-pro-v1:0'] })
    await gw.admin('POST', '/api/admin/providers/aws-wrong/credentials', { secret: secret(wrong) })
    const refused = await gw.admin('POST', '/api/admin/providers/aws-wrong/test')
    t.match(refused.json(), { ok: false, status: 403, message: 'Provider aws-wrong answered 403: it refused the credential.' }, name)
    await gw.admin('DELETE', '/api/admin/providers/aws-wrong')
  }

  // 400 for another reason than validation (a request past its time, a bad signature format) is no proof
  gw.mock.respond(bedrockMock.error(400, 'RequestExpired', 'Request has expired.'))
  t.match((await gw.admin('POST', '/api/admin/providers/aws/test')).json(), { ok: false, status: 400, message: 'Provider aws answered 400.' })

  const everything = [gw.logs(), ok.body].join('\n')
  t.notOk(everything.includes(AWS_CREDENTIAL.secretAccessKey), 'no secret in the answer or the logs')
})

test('Bedrock: a credential without a region is reported without calling AWS', async (t) => {
  const gw = await storeGateway(t)
  await gw.admin('POST', '/api/admin/providers', { id: 'aws', kind: 'bedrock', baseUrl: gw.mock.url, models: ['*'] })
  const { region: _region, ...noRegion } = AWS_CREDENTIAL
  await gw.admin('POST', '/api/admin/providers/aws/credentials', { secret: secret(noRegion) })
  const res = await gw.admin('POST', '/api/admin/providers/aws/test')
  t.equal(res.statusCode, 200)
  t.match(res.json(), { ok: false, status: null, message: /^Provider aws has no AWS region/ })
  t.equal(gw.mock.requests.length, 0)
})

test('Ideogram: a generate request without a prompt proves the key (400) and generates nothing; a wrong key is refused (401)', async (t) => {
  const gw = await storeGateway(t)
  await gw.admin('POST', '/api/admin/providers', { id: 'ideo', kind: 'ideogram', baseUrl: gw.mock.url, models: ['ideogram-v3'] })
  await gw.admin('POST', '/api/admin/providers/ideo/credentials', { secret: IDEOGRAM_KEY })
  gw.mock.respond(ideogramMock.images({}, IDEOGRAM_KEY))

  const ok = await gw.admin('POST', '/api/admin/providers/ideo/test')
  t.match(ok.json(), { ok: true, status: 400, message: 'Provider ideo answered 400 to a request that generates nothing: it accepted the credential.' })
  const probe = gw.mock.requests[0]
  t.match(probe, { method: 'POST', url: '/v1/ideogram-v3/generate' })
  t.equal(probe?.headers['api-key'], IDEOGRAM_KEY)
  t.same(probe === undefined ? undefined : formFields(probe), {}, 'an empty form: no prompt, nothing to generate')

  gw.mock.respond(ideogramMock.images({}, 'another-key-entirely-0123456789'))
  const refused = await gw.admin('POST', '/api/admin/providers/ideo/test')
  t.match(refused.json(), { ok: false, status: 401, message: 'Provider ideo answered 401: it refused the credential.' })
  t.notOk([refused.body, gw.logs()].join('\n').includes(IDEOGRAM_KEY), 'the key is neither answered nor logged')
})
