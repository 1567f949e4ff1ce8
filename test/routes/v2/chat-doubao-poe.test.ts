import { test } from 'tap'
import { bearer, build, issueKey } from '../../helpers/build.js'
import { openAIMock } from '../../helpers/mock-openai.js'
import { startMock } from '../../helpers/mock-server.js'
import { gatewayWithMock, PROVIDER_KEYS, sseChunks, sseData, streamedText } from '../../helpers/gateway.js'

/** Doubao (Volcengine Ark, {base}/api/v3) and Poe ({base}/v1) speak OpenAI Chat Completions behind their own roots. */
const CASES = [
  { provider: 'doubao', basePath: '/api/v3', model: 'doubao-seed-1-6-250615' },
  { provider: 'poe', basePath: '/v1', model: 'Claude-Sonnet-4' }
] as const

for (const { provider, basePath, model } of CASES) {
  test(`${provider}: a chat call reaches ${basePath}/chat/completions with the key as a Bearer token`, async (t) => {
    const gw = await gatewayWithMock(t, provider, {}, basePath)
    gw.mock.respond(openAIMock.answer({ content: 'Hello from upstream', model, usage: { prompt_tokens: 11, completion_tokens: 4, prompt_tokens_details: { cached_tokens: 3 } } }))
    const res = await gw.chat({ model: `${provider}/${model}`, messages: [{ role: 'user', content: 'hi' }], temperature: 0.3 })
    t.equal(res.statusCode, 200)
    t.equal(res.json().choices[0].message.content, 'Hello from upstream')
    const upstream = gw.mock.requests[0]
    t.equal(upstream?.url, '/chat/completions')
    t.equal(upstream?.headers.authorization, `Bearer ${PROVIDER_KEYS[provider]}`)
    t.match(upstream?.body, { model, stream: false, temperature: 0.3 })
    t.match(gw.usage.at(-1), { model: `${provider}/${model}`, provider, promptTokens: 11, completionTokens: 4, status: 200 })
  })

  test(`${provider}: a streamed chat call is relayed chunk by chunk and metered from the upstream's usage`, async (t) => {
    const gw = await gatewayWithMock(t, provider, {}, basePath)
    gw.mock.respond(openAIMock.answer({ content: 'streamed words', model, usage: { prompt_tokens: 7, completion_tokens: 2 } }))
    const res = await gw.chat({ model: `${provider}/${model}`, messages: [{ role: 'user', content: 'hi' }], stream: true })
    t.equal(res.statusCode, 200)
    t.equal(streamedText(sseChunks(res.body)), 'streamed words')
    t.equal(sseData(res.body).at(-1), '[DONE]')
    t.equal(gw.mock.requests[0]?.body.stream_options.include_usage, true, 'usage is asked for, for metering')
    t.match(gw.usage.at(-1), { provider, promptTokens: 7, completionTokens: 2, status: 200 })
  })
}

test('Doubao takes Volcengine\'s ARK_API_KEY too, and both providers list their default models', async (t) => {
  const mock = await startMock(t, '/api/v3')
  const app = await build(t, { ARK_API_KEY: 'ark-volcengine-name-0123456789', DOUBAO_BASE_URL: mock.url, POE_API_KEY: PROVIDER_KEYS.poe })
  mock.respond(openAIMock.answer({ content: 'ok' }))
  const { key } = await issueKey(app, { scopes: ['chat'] })
  const res = await app.inject({ method: 'POST', url: '/api/v2/chat/completions', headers: bearer(key), payload: { model: 'doubao/doubao-seed-1-6-250615', messages: [{ role: 'user', content: 'hi' }] } })
  t.equal(res.statusCode, 200)
  t.equal(mock.requests[0]?.headers.authorization, 'Bearer ark-volcengine-name-0123456789')
  const ids = (await app.inject({ method: 'GET', url: '/api/v2/models', headers: bearer(key) })).json().data.map((m: { id: string }) => m.id)
  t.ok(ids.includes('doubao/doubao-seed-1-6-250615'))
  t.ok(ids.includes('poe/gpt-5-mini'))
  t.notOk(ids.includes('poe/*'), 'the wildcard admits names but lists none')
})
