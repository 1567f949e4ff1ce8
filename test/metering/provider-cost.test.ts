import { test } from 'tap'
import type { MockHandler } from '../helpers/mock-server.js'
import { openAIMock } from '../helpers/mock-openai.js'
import { anthropicMock } from '../helpers/mock-anthropic.js'
import { geminiMock } from '../helpers/mock-gemini.js'
import { adminCall, bearer, issueKey } from '../helpers/build.js'
import { gatewayWithMock, sseChunks } from '../helpers/gateway.js'
import type { NewCatalogModel } from '#catalog/model-catalog.js'

/*
 * The cost of a call, to the token, per provider: a recorded answer (the usage of each provider's published examples:
 * OpenAI's prompt-caching and reasoning guides, Anthropic's prompt-caching page with mixed 5-minute and 1-hour
 * writes, Gemini's thinking and context-caching usage) → the credits worked out by hand below, streamed and not.
 * Each answer states that cost (x-hubgate-cost, usage.cost when asked), the key's budget settles to exactly the
 * sum, and the usage API adds up to it, token parts included.
 */

interface CostCase {
  name: string
  model: string
  answer: MockHandler
  /** Prompt text: long enough for a tier case to really be that long (its reservation then covers the tier). */
  prompt?: string
  credits: number
  /** The token parts the usage event (and record) carries. */
  parts: Record<string, number>
  /** What the OpenAI-shaped answer's usage says (a subset). */
  usage: Record<string, unknown>
}

interface ProviderTable {
  provider: 'openai' | 'anthropic' | 'gemini'
  basePath?: string
  env?: Record<string, string>
  models: NewCatalogModel[]
  cases: CostCase[]
}

const SONNET_TIER = { above: 200_000, inputRate: 6, cachedInputRate: 0.6, cacheWriteRate: 7.5, cacheWrite1hRate: 12, outputRate: 22.5 }
const GEMINI_PRO_TIER = { above: 200_000, inputRate: 2.5, cachedInputRate: 0.25, outputRate: 15 }

const TABLES: ProviderTable[] = [
  {
    provider: 'openai',
    env: { OPENAI_MODELS: 'gpt-4o,o3-mini,gpt-4o-audio-preview' },
    models: [
      { id: 'openai/gpt-4o', inputRate: 2.5, cachedInputRate: 1.25, outputRate: 10 },
      // a reasoning rate above the output rate: the reservation must still cover the call
      { id: 'openai/o3-mini', inputRate: 1.1, cachedInputRate: 0.55, outputRate: 4.4, reasoningRate: 8.8 },
      { id: 'openai/gpt-4o-audio-preview', inputRate: 2.5, outputRate: 10, audioInputRate: 40, audioOutputRate: 80 }
    ],
    cases: [
      {
        name: 'cache reads (prompt-caching guide)',
        model: 'openai/gpt-4o',
        answer: openAIMock.answer({ content: 'ok', usage: { prompt_tokens: 2006, completion_tokens: 300, prompt_tokens_details: { cached_tokens: 1920 } } }),
        // 86 × 2.5 + 1920 × 1.25 + 300 × 10 = 215 + 2400 + 3000
        credits: 0.005615,
        parts: { cachedTokens: 1920 },
        usage: { prompt_tokens: 2006, prompt_tokens_details: { cached_tokens: 1920 } }
      },
      {
        name: 'reasoning tokens (reasoning guide)',
        model: 'openai/o3-mini',
        answer: openAIMock.answer({ content: 'ok', usage: { prompt_tokens: 75, completion_tokens: 1186, completion_tokens_details: { reasoning_tokens: 1024 } } }),
        // 75 × 1.1 + 162 × 4.4 + 1024 × 8.8 = 82.5 + 712.8 + 9011.2
        credits: 0.0098065,
        parts: { reasoningTokens: 1024 },
        usage: { completion_tokens: 1186, completion_tokens_details: { reasoning_tokens: 1024 } }
      },
      {
        name: 'audio tokens in and out',
        model: 'openai/gpt-4o-audio-preview',
        answer: openAIMock.answer({ content: 'ok', usage: { prompt_tokens: 100, completion_tokens: 50, prompt_tokens_details: { audio_tokens: 60 }, completion_tokens_details: { audio_tokens: 30 } } }),
        // 40 × 2.5 + 60 × 40 + 20 × 10 + 30 × 80 = 100 + 2400 + 200 + 2400
        credits: 0.0051,
        parts: { audioInputTokens: 60, audioOutputTokens: 30 },
        usage: { prompt_tokens_details: { audio_tokens: 60 }, completion_tokens_details: { audio_tokens: 30 } }
      }
    ]
  },
  {
    provider: 'anthropic',
    basePath: '',
    models: [{ id: 'anthropic/claude-sonnet-4-5', inputRate: 3, cachedInputRate: 0.3, cacheWriteRate: 3.75, cacheWrite1hRate: 6, outputRate: 15, tiers: [SONNET_TIER] }],
    cases: [
      {
        name: 'cache reads, 5-minute and 1-hour writes (prompt-caching page)',
        model: 'anthropic/claude-sonnet-4-5',
        answer: anthropicMock.answer({
          text: 'ok',
          usage: { input_tokens: 2048, cache_read_input_tokens: 1800, cache_creation_input_tokens: 248, output_tokens: 503, cache_creation: { ephemeral_5m_input_tokens: 148, ephemeral_1h_input_tokens: 100 } }
        }),
        // 2048 × 3 + 1800 × 0.3 + 148 × 3.75 + 100 × 6 + 503 × 15 = 6144 + 540 + 555 + 600 + 7545
        credits: 0.015384,
        parts: { cachedTokens: 1800, cacheWriteTokens: 148, cacheWrite1hTokens: 100 },
        usage: { prompt_tokens: 4096, completion_tokens: 503, prompt_tokens_details: { cached_tokens: 1800, cache_write_tokens: 148, cache_write_1h_tokens: 100 } }
      },
      {
        name: 'a prompt past 200k tokens pays the long-context tier for every token',
        model: 'anthropic/claude-sonnet-4-5',
        prompt: 'x '.repeat(105_000),
        answer: anthropicMock.answer({ text: 'ok', usage: { input_tokens: 150_000, cache_read_input_tokens: 60_000, output_tokens: 1000 } }),
        // 150000 × 6 + 60000 × 0.6 + 1000 × 22.5 = 900000 + 36000 + 22500
        credits: 0.9585,
        parts: { cachedTokens: 60_000 },
        usage: { prompt_tokens: 210_000, prompt_tokens_details: { cached_tokens: 60_000 } }
      }
    ]
  },
  {
    provider: 'gemini',
    models: [{ id: 'gemini/gemini-2.5-pro', inputRate: 1.25, cachedInputRate: 0.125, outputRate: 10, tiers: [GEMINI_PRO_TIER] }],
    cases: [
      {
        name: 'thinking, cached content and tool-use prompt tokens',
        model: 'gemini/gemini-2.5-pro',
        answer: geminiMock.answer({ text: ['o', 'k'], usage: { promptTokenCount: 1000, cachedContentTokenCount: 600, toolUsePromptTokenCount: 50, candidatesTokenCount: 200, thoughtsTokenCount: 900 } }),
        // (1000 + 50 − 600) × 1.25 + 600 × 0.125 + (200 + 900) × 10 = 562.5 + 75 + 11000
        credits: 0.0116375,
        parts: { cachedTokens: 600, reasoningTokens: 900 },
        usage: { prompt_tokens: 1050, completion_tokens: 1100, prompt_tokens_details: { cached_tokens: 600 }, completion_tokens_details: { reasoning_tokens: 900 } }
      },
      {
        name: 'exactly 200k prompt tokens: still the base rates',
        model: 'gemini/gemini-2.5-pro',
        prompt: 'x '.repeat(100_000),
        answer: geminiMock.answer({ text: ['ok'], usage: { promptTokenCount: 200_000, candidatesTokenCount: 100 } }),
        // 200000 × 1.25 + 100 × 10
        credits: 0.251,
        parts: {},
        usage: { prompt_tokens: 200_000 }
      },
      {
        name: 'one token more: the tier',
        model: 'gemini/gemini-2.5-pro',
        prompt: 'x '.repeat(100_001),
        answer: geminiMock.answer({ text: ['ok'], usage: { promptTokenCount: 200_001, candidatesTokenCount: 100 } }),
        // 200001 × 2.5 + 100 × 15
        credits: 0.5015025,
        parts: {},
        usage: { prompt_tokens: 200_001 }
      }
    ]
  }
]

for (const table of TABLES) {
  test(`${table.provider}: every answer costs exactly its hand-computed credits, streamed or not; budget and usage API agree`, async (t) => {
    const gw = await gatewayWithMock(t, table.provider, table.env, table.basePath)
    for (const model of table.models) await gw.app.catalog.create(model)
    const payer = await issueKey(gw.app, { name: 'payer', scopes: ['chat'], creditLimit: 1000, creditPeriod: 'total' })
    let expectedTotal = 0
    const expectedParts: Record<string, number> = {}

    for (const c of table.cases) {
      gw.mock.respond(c.answer)
      const body = { model: c.model, messages: [{ role: 'user', content: c.prompt ?? 'hi' }] }
      const call = async (payload: Record<string, unknown>, headers: Record<string, string> = {}): Promise<ReturnType<typeof gw.app.inject>> =>
        await gw.app.inject({ method: 'POST', url: '/api/v2/chat/completions', headers: { ...bearer(payer.key), ...headers }, payload })

      const plain = await call(body)
      t.equal(plain.statusCode, 200, `${c.name}: answered`)
      t.equal(plain.headers['x-hubgate-cost'], String(c.credits), `${c.name}: x-hubgate-cost`)
      t.match(plain.json().usage, c.usage, `${c.name}: OpenAI's usage fields carry the parts`)
      t.notOk('cost' in plain.json().usage, `${c.name}: no usage.cost unless asked`)
      t.match(gw.usage.at(-1), { model: c.model, ...c.parts }, `${c.name}: the usage event has the parts`)

      const asked = await call(body, { 'x-hubgate-include-cost': 'true' })
      t.equal(asked.json().usage.cost, c.credits, `${c.name}: usage.cost when asked by header`)

      const streamed = await call({ ...body, stream: true, stream_options: { include_cost: true } })
      t.equal(streamed.statusCode, 200)
      t.notOk('x-hubgate-cost' in streamed.headers, `${c.name}: a stream has no cost header (its headers left first)`)
      const last = sseChunks(streamed.body).at(-1)
      t.same(last.choices, [], `${c.name}: include_cost brings the usage chunk`)
      t.match(last.usage, { ...c.usage, cost: c.credits }, `${c.name}: the stream's usage chunk states the cost`)
      t.match(gw.usage.at(-1), { streamed: true, ...c.parts })

      expectedTotal += 3 * c.credits
      for (const [part, count] of Object.entries(c.parts)) expectedParts[part] = (expectedParts[part] ?? 0) + 3 * count
    }
    const upstreamBodies = gw.mock.requests.map((r) => JSON.stringify(r.body))
    t.notOk(upstreamBodies.some((b) => b.includes('include_cost')), 'include_cost never goes upstream')

    const own = (await gw.app.inject({ url: '/api/v2/usage', headers: bearer(payer.key) })).json()
    t.ok(Math.abs(own.creditsUsed - expectedTotal) < 1e-12, `the budget settled to exactly the sum (${own.creditsUsed} vs ${expectedTotal})`)
    const report = (await adminCall(gw.app, { url: `/api/admin/usage?groupBy=key&keyId=${payer.id}` })).json()
    t.equal(report.items.length, 1)
    t.ok(Math.abs(report.items[0].credits - expectedTotal) < 1e-12, 'the usage API sums to it')
    t.match(report.items[0], expectedParts, 'and counts every token part')
  })
}

test('abuse: answers spending their whole bound on reasoning tokens priced above output never carry a key past its limit', async (t) => {
  const gw = await gatewayWithMock(t, 'openai', { OPENAI_MODELS: 'o3-mini' })
  await gw.app.catalog.create({ id: 'openai/o3-mini', inputRate: 1.1, cachedInputRate: 0.55, outputRate: 4.4, reasoningRate: 8.8 })
  gw.mock.respond(async (req, res) => {
    const completion = req.body?.max_tokens ?? 0
    await openAIMock.answer({ content: 'ok', usage: { prompt_tokens: 10, completion_tokens: completion, completion_tokens_details: { reasoning_tokens: completion } } })(req, res)
  })
  const limit = 0.05
  const payer = await issueKey(gw.app, { name: 'payer', scopes: ['chat'], creditLimit: limit, creditPeriod: 'total' })
  const calls = await Promise.all(Array.from({ length: 12 }, async (_, i) => await gw.app.inject({
    method: 'POST',
    url: '/api/v2/chat/completions',
    headers: bearer(payer.key),
    payload: { model: 'openai/o3-mini', max_tokens: 1000, stream: i % 2 === 0, messages: [{ role: 'user', content: 'think hard' }] }
  })))
  const statuses = calls.map((c) => c.statusCode)
  t.ok(statuses.includes(200) && statuses.includes(402), `some answered, the rest were refused (${statuses.join(',')})`)
  const own = (await gw.app.inject({ url: '/api/v2/usage', headers: bearer(payer.key) })).json()
  t.ok(own.creditsUsed <= limit, `spent ${own.creditsUsed} ≤ ${limit}`)
  // each answered call: 10 × 1.1 + 1000 × 8.8
  t.ok(Math.abs(own.creditsUsed - statuses.filter((s) => s === 200).length * 0.0088110) < 1e-12, 'each charged its reasoning at the reasoning rate')
})

test('AIGNE answers carry cache reads and writes and the same credits as the usage record', async (t) => {
  const gw = await gatewayWithMock(t, 'anthropic', {}, '')
  const [table] = TABLES.filter((p) => p.provider === 'anthropic')
  const [cacheCase] = table?.cases ?? []
  for (const model of table?.models ?? []) await gw.app.catalog.create(model)
  gw.mock.respond(cacheCase?.answer as MockHandler)
  const res = await gw.app.inject({
    method: 'POST',
    url: '/api/v2/chat',
    headers: bearer(gw.key),
    payload: { input: { messages: [{ role: 'user', content: 'hi' }], modelOptions: { model: 'anthropic/claude-sonnet-4-5' } }, options: { streaming: false } }
  })
  t.equal(res.statusCode, 200)
  t.same(res.json().usage, { inputTokens: 4096, outputTokens: 503, cacheReadInputTokens: 1800, cacheCreationInputTokens: 248, aigneHubCredits: cacheCase?.credits })
  t.equal(res.headers['x-hubgate-cost'], String(cacheCase?.credits), 'and the header says the same')
})
