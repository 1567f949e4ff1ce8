import { test } from 'tap'
import { STORES, burst, limitedKey, mediaAndChat, priced, recordsOf, selfReportAgrees, spendGateway } from './spend-bounds.js'

/*
 * Concurrent calls of every kind at a small credit limit: each call reserves its worst case before going upstream
 * (chat: prompt bound + n × max_tokens; embeddings: the input's size; images: n × the per-image rate), so spend
 * never passes the limit, every call is served or refused with 402, and the key's own report matches the store.
 */

const CALLS = 15
const messages = [{ role: 'user', content: 'count to three' }]
const promptBound = Buffer.byteLength(JSON.stringify(messages)) + Buffer.byteLength('[]')
const embeddingInput = 'x'.repeat(400)

interface Case {
  name: string
  url: string
  model: string
  rates: Record<string, unknown>
  body: Record<string, unknown>
  /** What one call reserves: the limit is 3.5 of them, and less than what all the calls cost. */
  reserve: number
  mock?: { embeddingUsage?: boolean, imageUsage?: boolean }
}

const chatRates = { inputRate: 1000, outputRate: 1000 }
const CASES: Case[] = [
  {
    name: 'chat with n: 4',
    url: '/api/v2/chat/completions',
    model: 'openai/gpt-4o-mini',
    rates: chatRates,
    body: { model: 'openai/gpt-4o-mini', max_tokens: 50, n: 4, messages },
    reserve: (promptBound + 4 * 50) * 1000 / 1e6
  },
  {
    name: 'streamed chat with n: 4',
    url: '/api/v2/chat/completions',
    model: 'openai/gpt-4o-mini',
    rates: chatRates,
    body: { model: 'openai/gpt-4o-mini', max_tokens: 50, n: 4, stream: true, stream_options: { include_usage: true }, messages },
    reserve: (promptBound + 4 * 50) * 1000 / 1e6
  },
  {
    name: 'embeddings',
    url: '/api/v2/embeddings',
    model: 'openai/text-embedding-3-small',
    rates: { inputRate: 1000, outputRate: 0 },
    body: { model: 'openai/text-embedding-3-small', input: embeddingInput },
    reserve: 400 * 1000 / 1e6
  },
  {
    name: 'embeddings whose provider reports no usage',
    url: '/api/v2/embeddings',
    model: 'openai/text-embedding-3-small',
    rates: { inputRate: 1000, outputRate: 0 },
    body: { model: 'openai/text-embedding-3-small', input: embeddingInput },
    reserve: 400 * 1000 / 1e6,
    mock: { embeddingUsage: false }
  },
  {
    name: 'dall-e images (no usage reported), n: 2, 1024x1024 hd',
    url: '/api/v2/images/generations',
    model: 'openai/dall-e-3',
    rates: { imageRate: 0.04, imageRates: { '1024x1024/hd': 0.08 } },
    body: { model: 'openai/dall-e-3', prompt: 'a red fox', n: 2, size: '1024x1024', quality: 'hd' },
    reserve: 2 * 0.08,
    mock: { imageUsage: false }
  },
  {
    name: 'gpt-image images (token usage reported)',
    url: '/api/v2/images/generations',
    model: 'openai/gpt-image-1',
    rates: { inputRate: 5, outputRate: 10, imageRate: 0.05 },
    body: { model: 'openai/gpt-image-1', prompt: 'a red fox' },
    reserve: 0.05 + Buffer.byteLength('a red fox') * 5 / 1e6,
    mock: { imageUsage: true }
  }
]

for (const store of STORES) {
  for (const kind of CASES) {
    test(`${store.name}, ${kind.name}: ${CALLS} concurrent calls never spend past a small credit limit`, store.options, async (t) => {
      const gw = await spendGateway(t, store.env(t), mediaAndChat(kind.mock))
      await priced(gw.app, kind.model, kind.rates)
      const limit = kind.reserve * 3.5
      const { id, key } = await limitedKey(gw.app, { creditLimit: limit })

      const results = await burst(gw.app, key, kind.url, kind.body, CALLS)
      const statuses = results.map((r) => r.statusCode)
      t.ok(statuses.every((s) => s === 200 || s === 402), `every call served or refused (${statuses.join(',')})`)
      // calls settled below their reservation free room for later ones; what all of them would cost passes the limit
      t.ok(statuses.includes(200), 'at least one call is served')
      // the route's own error shape (OpenAI's for /api/v2/embeddings), with the budget's reason
      t.match(results.find((r) => r.statusCode === 402)?.body, /Credit limit reached for this key/)

      const records = await recordsOf(gw.app, id)
      t.equal(records.length, CALLS, 'one usage record per call, refused ones too')
      const spent = records.reduce((sum, r) => sum + r.credits, 0)
      t.ok(spent <= limit + 1e-9, `spend ${spent} never exceeds the limit ${limit}`)
      const charged = records.filter((r) => r.status === 200)
      t.ok(charged.every((r) => r.priced && r.credits > 0 && r.credits <= kind.reserve + 1e-9), `every served call charged, within its reservation (${charged.map((r) => r.credits).join(',')})`)
      const agrees = await selfReportAgrees(gw.app, key, records)
      t.ok(agrees.ok, `GET /api/v2/usage agrees with the store: ${agrees.detail}`)
    })
  }
}

test('a key with credit limit 0 gets no embeddings or images of a priced model, concurrently or not', async (t) => {
  const gw = await spendGateway(t, {}, mediaAndChat())
  await priced(gw.app, 'openai/text-embedding-3-small', { inputRate: 20, outputRate: 0 })
  await priced(gw.app, 'openai/dall-e-3', { imageRate: 0.04 })
  const { id, key } = await limitedKey(gw.app, { creditLimit: 0 })
  const embeddings = await burst(gw.app, key, '/api/v2/embeddings', { model: 'openai/text-embedding-3-small', input: embeddingInput }, 10)
  const images = await burst(gw.app, key, '/api/v2/images/generations', { model: 'openai/dall-e-3', prompt: 'a fox', n: 8 }, 10)
  t.same([...embeddings, ...images].map((r) => r.statusCode), Array(20).fill(402))
  t.equal(gw.mock.requests.length, 0, 'nothing reached the provider')
  t.equal((await recordsOf(gw.app, id)).reduce((sum, r) => sum + r.credits, 0), 0)
})

test('AIGNE embeddings without the provider\'s usage answer the estimate they were charged', async (t) => {
  const gw = await spendGateway(t, {}, mediaAndChat({ embeddingUsage: false }))
  await priced(gw.app, 'openai/text-embedding-3-small', { inputRate: 1000, outputRate: 0 })
  const { id, key } = await limitedKey(gw.app, { creditLimit: 10 })
  const res = await gw.app.inject({ method: 'POST', url: '/api/v2/embeddings', headers: { authorization: `Bearer ${key}` }, payload: { input: { input: embeddingInput, modelOptions: { model: 'openai/text-embedding-3-small' } } } })
  t.equal(res.statusCode, 200)
  t.same(res.json().usage, { inputTokens: 100, outputTokens: 0, aigneHubCredits: 0.1 }, 'one token per 4 bytes of input, never zero')
  t.same((await recordsOf(gw.app, id)).map((r) => r.credits), [0.1], 'as recorded')
})
