import { test } from 'tap'
import { calcPrice } from '@pydantic/genai-prices'
import { callCredits } from '#catalog/call-cost.js'
import { PriceList } from '#catalog/price-list.js'
import { anthropicMock } from '../helpers/mock-anthropic.js'
import { adminCall } from '../helpers/build.js'
import { gatewayWithMock } from '../helpers/gateway.js'

const CREDITS_PER_USD = 1_000_000

/** The package's own price of a usage, in credits (its usage counts input_tokens with cache reads and writes in it). */
function packageCredits (provider: string, model: string, usage: Record<string, number>): number {
  const priced = calcPrice(usage, model, { providerId: provider })
  if (priced === null) throw new Error(`no package price for ${model}`)
  return priced.total_price * CREDITS_PER_USD
}

const CASES = [
  { provider: 'anthropic', packageProvider: 'anthropic', model: 'claude-sonnet-4-5', prompt: 4096, cached: 1800, write: 148, write1h: 100, completion: 503 },
  { provider: 'anthropic', packageProvider: 'anthropic', model: 'claude-sonnet-4-5', prompt: 250_000, cached: 60_000, write: 1000, write1h: 0, completion: 1000 },
  { provider: 'gemini', packageProvider: 'google', model: 'gemini-2.5-pro', prompt: 200_001, cached: 100_000, write: 0, write1h: 0, completion: 2000 },
  { provider: 'openai', packageProvider: 'openai', model: 'gpt-4o', prompt: 2006, cached: 1920, write: 0, write1h: 0, completion: 300 },
  { provider: 'deepseek', packageProvider: 'deepseek', model: 'deepseek-chat', prompt: 1000, cached: 400, write: 0, write1h: 0, completion: 100 }
]

test('built-in rates price a call as the package itself does: cache reads, 5-minute and 1-hour writes, tiers', async (t) => {
  const list = new PriceList(CREDITS_PER_USD)
  for (const c of CASES) {
    const rates = list.rates(c.provider, c.model)
    t.ok(rates !== undefined, `${c.provider}/${c.model} is in the list`)
    const ours = callCredits(rates, {
      kind: 'chat', status: 200, promptTokens: c.prompt, completionTokens: c.completion,
      cachedTokens: c.cached, cacheWriteTokens: c.write, cacheWrite1hTokens: c.write1h
    }) as number
    const theirs = packageCredits(c.packageProvider, c.model, {
      input_tokens: c.prompt, cache_read_tokens: c.cached, cache_write_tokens: c.write + c.write1h, cache_write_1h_tokens: c.write1h, output_tokens: c.completion
    })
    t.ok(Math.abs(ours - theirs) < 1e-6, `${c.provider}/${c.model} with ${c.prompt} prompt tokens: ${ours} = ${theirs}`)
  }
  t.equal(list.rates('ollama', 'llama3'), undefined, 'providers the list does not cover have no built-in price')
  t.equal(list.rates('openai', 'no-such-model-anywhere'), undefined)
})

test('a model the catalog does not price is priced from the built-in list; the catalog\'s own rates win', async (t) => {
  const gw = await gatewayWithMock(t, 'anthropic', { BUILTIN_PRICES: 'true', CREDITS_PER_USD: String(CREDITS_PER_USD) }, '')
  gw.mock.respond(anthropicMock.answer({ text: 'ok', usage: { input_tokens: 1000, cache_read_input_tokens: 500, output_tokens: 200 } }))
  const body = { model: 'anthropic/claude-sonnet-4-5', messages: [{ role: 'user', content: 'hi' }] }
  const builtin = await gw.chat(body)
  t.equal(builtin.statusCode, 200)
  const expected = packageCredits('anthropic', 'claude-sonnet-4-5', { input_tokens: 1500, cache_read_tokens: 500, output_tokens: 200 })
  t.ok(Math.abs(Number(builtin.headers['x-hubgate-cost']) - expected) < 1e-6, `priced from the list: ${String(builtin.headers['x-hubgate-cost'])} = ${expected}`)

  const listed = (await gw.app.inject({ url: '/api/ai/models' })).json() as Array<{ key: string, input_credits_per_token: string, output_credits_per_token: string }>
  const sonnet = listed.find((m) => m.key === 'anthropic/claude-sonnet-4-5')
  t.ok(Math.abs(Number(sonnet?.input_credits_per_token) - packageCredits('anthropic', 'claude-sonnet-4-5', { input_tokens: 1 })) < 1e-9,
    'the AIGNE model list shows the built-in price of a token')

  await adminCall(gw.app, { method: 'POST', url: '/api/admin/models', payload: { id: 'anthropic/claude-sonnet-4-5', inputRate: 1, outputRate: 2 } })
  const overridden = await gw.chat(body)
  const listed2 = (await adminCall(gw.app, { url: '/api/admin/models' })).json().items as Array<{ id: string, builtinPrice: boolean }>
  t.match(listed2, [{ id: 'anthropic/claude-sonnet-4-5', builtinPrice: true }], 'the admin list says the built-in list knows it')
  // 1500 × 1 (cache reads default to the input rate) + 200 × 2
  t.equal(overridden.headers['x-hubgate-cost'], '0.0019', 'the catalog entry\'s rates replace the built-in ones')

  const unknown = await gw.chat({ ...body, model: 'anthropic/claude-unreleased-9' })
  t.equal(unknown.statusCode, 400, 'not offered: refused before any price matters')
})
