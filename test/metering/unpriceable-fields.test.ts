import { test } from 'tap'
import { bearer } from '../helpers/build.js'
import { openAIMock } from '../helpers/mock-openai.js'
import { limitedKey, priced, spendGateway } from './spend-bounds.js'
import { openAIErrorLike } from '../helpers/openai-error.js'

/*
 * Fields that make the provider charge more than the catalog's rates (priority tiers, web search, audio, OpenRouter
 * routing) are refused for keys with a credit limit, whichever client family sends them; other keys pass them on.
 */

const model = 'openai/gpt-4o-mini'
const messages = [{ role: 'user', content: 'hi' }]
const PRICE_CHANGING: Array<Record<string, unknown>> = [
  { service_tier: 'priority' },
  { service_tier: 'flex' },
  { web_search_options: {} },
  { modalities: ['text', 'audio'] },
  { audio: { voice: 'alloy', format: 'wav' } },
  { models: ['openai/gpt-4o', 'anthropic/claude-3-opus'] },
  { route: 'fallback' },
  { plugins: [{ id: 'web' }] }
]

test('OpenAI-compatible chat: a budgeted key gets a 400 naming the field, streamed or not; nothing goes upstream', async (t) => {
  const gw = await spendGateway(t, {}, openAIMock.answer({ content: 'ok' }))
  await priced(gw.app, model, { inputRate: 1, outputRate: 1 })
  const { key } = await limitedKey(gw.app, { creditLimit: 100 })
  for (const fields of PRICE_CHANGING) {
    for (const stream of [false, true]) {
      const res = await gw.app.inject({ method: 'POST', url: '/api/v2/chat/completions', headers: bearer(key), payload: { model, messages, stream, ...fields } })
      t.equal(res.statusCode, 400, JSON.stringify(fields))
      const field = Object.keys(fields)[0]
      t.match(res.json(), openAIErrorLike(new RegExp(`^body/${String(field)}: this field changes what the provider charges`)))
      t.same(Object.keys(res.json()).sort(), ['error', 'message'])
    }
  }
  t.equal(gw.mock.requests.length, 0, 'no request reached the provider')
  t.match(gw.usage.at(-1), { status: 400, model }, 'the refusal is metered as a failed call')

  const standard = await gw.app.inject({ method: 'POST', url: '/api/v2/chat/completions', headers: bearer(key), payload: { model, messages, service_tier: 'default', modalities: ['text'] } })
  t.equal(standard.statusCode, 200, 'the standard tier and text output are priced by the catalog')
})

test('a key without a credit limit passes price-changing fields through to the provider', async (t) => {
  const gw = await spendGateway(t, {}, openAIMock.answer({ content: 'ok' }))
  const res = await gw.app.inject({ method: 'POST', url: '/api/v2/chat/completions', headers: bearer(gw.key), payload: { model, messages, service_tier: 'priority', web_search_options: {} } })
  t.equal(res.statusCode, 200)
  t.match(gw.mock.requests[0]?.body, { service_tier: 'priority', web_search_options: {} })
})

test('AIGNE and legacy chat: price-changing options from a budgeted key never reach the provider', async (t) => {
  const gw = await spendGateway(t, {}, openAIMock.answer({ content: 'ok' }))
  await priced(gw.app, model, { inputRate: 1, outputRate: 1 })
  const { key } = await limitedKey(gw.app, { creditLimit: 100 })
  const calls = [
    { url: '/api/v2/chat', payload: { input: { messages, modelOptions: { model, service_tier: 'priority', web_search_options: {} } } } },
    { url: '/api/v2/chat', payload: { model, input: { messages, service_tier: 'priority', modalities: ['audio'] } } },
    { url: '/api/v1/chat/completions', payload: { model, messages, service_tier: 'priority', route: 'fallback', models: ['openai/gpt-4o'] } },
    { url: '/api/v2/completions', payload: { model, prompt: 'hi', web_search_options: {}, audio: { voice: 'alloy' } } }
  ]
  for (const call of calls) {
    const res = await gw.app.inject({ method: 'POST', url: call.url, headers: bearer(key), payload: call.payload })
    const upstream = res.statusCode === 200 ? gw.mock.requests.at(-1)?.body ?? {} : {}
    t.ok(res.statusCode === 200 || res.statusCode === 400, `${call.url}: answered or refused (${res.statusCode})`)
    for (const field of ['service_tier', 'web_search_options', 'modalities', 'audio', 'route', 'models', 'plugins']) {
      t.notOk(field in upstream, `${call.url}: ${field} did not reach the provider`)
    }
  }
})
