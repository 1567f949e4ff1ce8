import { test } from 'tap'
import { openAIMock } from '../../helpers/mock-openai.js'
import { ADMIN_KEY, bearer, issueKey } from '../../helpers/build.js'
import { needs, serviceUrl } from '../../helpers/services.js'
import { eventually } from '../../helpers/wait.js'
import { startRelay } from '../../helpers/relay.js'
import { gatewayWithMock } from '../../helpers/gateway.js'
import { redisPrefix } from '../../helpers/redis.js'
import { openAIErrorLike } from '../../helpers/openai-error.js'

const MODEL = 'openai/gpt-4o-mini'
const body = { model: MODEL, max_tokens: 20, messages: [{ role: 'user', content: 'hi' }] }

test('Redis outage: budgeted keys get 503, rate limits let calls through, other keys unaffected; all recover', needs('TEST_REDIS_URL', 'Redis'), async (t) => {
  const redisUrl = serviceUrl('TEST_REDIS_URL')
  const relay = await startRelay(t, redisUrl)
  const gw = await gatewayWithMock(t, 'openai', { REDIS_URL: relay.url, REDIS_KEY_PREFIX: redisPrefix(t, redisUrl) })
  gw.mock.respond(openAIMock.answer({ content: 'ok' }))
  await gw.app.catalog.create({ id: MODEL, inputRate: 1, outputRate: 1 })
  const budgeted = await issueKey(gw.app, { scopes: ['chat'], creditLimit: 100 })
  const limited = await issueKey(gw.app, { scopes: ['chat'], rpm: 2, tpm: 10_000 })
  const send = async (key: string) => await gw.app.inject({ method: 'POST', url: '/api/v2/chat/completions', headers: bearer(key), payload: body })

  t.equal((await send(budgeted.key)).statusCode, 200, 'budgeted key works while Redis is up')
  t.equal((await send(limited.key)).statusCode, 200)
  t.equal((await send(limited.key)).statusCode, 200)
  t.equal((await send(limited.key)).statusCode, 429, 'rpm enforced through Redis')

  relay.cut()
  const refused = await send(budgeted.key)
  t.equal(refused.statusCode, 503, 'fail closed: a budget that cannot be checked is not spent')
  t.match(refused.json(), openAIErrorLike('The gateway cannot check this key\'s credit budget right now; try again shortly.', 'api_error'))
  t.equal(refused.headers['retry-after'], '1')
  const passed = await send(limited.key)
  t.equal(passed.statusCode, 200, 'fail open: rpm and tpm are not enforced while Redis is down')
  t.equal((await send(gw.key)).statusCode, 200, 'a key without limits never needs Redis')
  t.equal((await gw.app.inject({ url: '/health/ready' })).statusCode, 200, 'readiness checks the store, not Redis')
  for (const url of ['/api/admin/access-keys', '/api/admin/usage']) {
    t.equal((await gw.app.inject({ url, headers: bearer(ADMIN_KEY) })).statusCode, 200, `${url} does not need Redis`)
  }

  relay.restore()
  t.ok(await eventually(async () => (await send(budgeted.key)).statusCode === 200, 10_000), 'budgets work again once Redis is back')
  t.ok(await eventually(async () => (await send(limited.key)).statusCode === 429, 10_000), 'and rpm is enforced again')
})
