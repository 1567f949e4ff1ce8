import { test } from 'tap'
import { STORES, burst, limitedKey, mediaAndChat, recordsOf, selfReportAgrees, spendGateway } from './spend-bounds.js'

/*
 * Concurrent calls of every kind at a small tokens-per-minute limit: each reserves its token bound first (chat:
 * prompt bytes + n × max_tokens; embeddings: input bytes; images: prompt bytes), so the tokens the key used in a
 * minute never pass its limit and each call is served or refused with 429.
 */

const CALLS = 15
const messages = [{ role: 'user', content: 'count to three' }]
const promptBound = Buffer.byteLength(JSON.stringify(messages)) + Buffer.byteLength('[]')

const CASES = [
  { name: 'chat with n: 4', url: '/api/v2/chat/completions', body: { model: 'openai/gpt-4o-mini', max_tokens: 50, n: 4, messages }, reserve: promptBound + 4 * 50 },
  {
    name: 'streamed chat with n: 4',
    url: '/api/v2/chat/completions',
    body: { model: 'openai/gpt-4o-mini', max_tokens: 50, n: 4, stream: true, messages },
    reserve: promptBound + 4 * 50
  },
  { name: 'embeddings', url: '/api/v2/embeddings', body: { model: 'openai/text-embedding-3-small', input: 'x'.repeat(400) }, reserve: 400 },
  { name: 'dall-e images', url: '/api/v2/images/generations', body: { model: 'openai/dall-e-3', prompt: 'p'.repeat(200), n: 4 }, reserve: 200 }
]

/** Fixed one-minute windows the burst touched: the limit holds per window. */
function minutesSpanned (start: number, end: number): number {
  return Math.floor(end / 60_000) - Math.floor(start / 60_000) + 1
}

for (const store of STORES) {
  for (const kind of CASES) {
    test(`${store.name}, ${kind.name}: ${CALLS} concurrent calls never use more tokens than a small tpm allows`, store.options, async (t) => {
      const gw = await spendGateway(t, store.env(t), mediaAndChat())
      const tpm = Math.floor(kind.reserve * 3.5)
      const { id, key } = await limitedKey(gw.app, { tpm })

      const start = Date.now()
      const results = await burst(gw.app, key, kind.url, kind.body, CALLS)
      const windows = minutesSpanned(start, Date.now())
      const statuses = results.map((r) => r.statusCode)
      t.ok(statuses.every((s) => s === 200 || s === 429), `every call served or refused (${statuses.join(',')})`)
      t.ok(statuses.includes(200), 'at least one call is served')
      // all of them would use more than the limit: some must be refused (unless the burst straddled a minute)
      if (windows === 1) t.match(results.find((r) => r.statusCode === 429)?.body, /Token rate limit of \d+ tokens per minute reached/)

      const records = await recordsOf(gw.app, id)
      const used = records.filter((r) => r.status === 200).reduce((sum, r) => sum + r.totalTokens, 0)
      t.ok(used > 0 && used <= tpm * windows, `tokens used ${used} within ${tpm} per minute over ${windows} minute(s)`)
      const agrees = await selfReportAgrees(gw.app, key, records)
      t.ok(agrees.ok, `GET /api/v2/usage agrees with the store: ${agrees.detail}`)
    })
  }
}
