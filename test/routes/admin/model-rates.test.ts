import { test } from 'tap'
import { adminCall, build } from '../../helpers/build.js'

test('admins set cache, reasoning and audio rates and long-context tiers; tiers are kept in order', async (t) => {
  const app = await build(t)
  const created = await adminCall(app, {
    method: 'POST',
    url: '/api/admin/models',
    payload: {
      id: 'anthropic/claude-sonnet-4-5', inputRate: 3, outputRate: 15, cachedInputRate: 0.3, cacheWriteRate: 3.75, cacheWrite1hRate: 6,
      tiers: [{ above: 500_000, inputRate: 9 }, { above: 200_000, inputRate: 6, outputRate: 22.5 }]
    }
  })
  t.equal(created.statusCode, 201)
  t.match(created.json(), { cachedInputRate: 0.3, cacheWriteRate: 3.75, cacheWrite1hRate: 6, reasoningRate: null, audioInputRate: null, audioOutputRate: null })
  t.same(created.json().tiers, [{ above: 200_000, inputRate: 6, outputRate: 22.5 }, { above: 500_000, inputRate: 9 }], 'ascending by above')

  const patched = await adminCall(app, { method: 'PATCH', url: '/api/admin/models/anthropic/claude-sonnet-4-5', payload: { reasoningRate: 20, cachedInputRate: null, tiers: [] } })
  t.equal(patched.statusCode, 200)
  t.match(patched.json(), { reasoningRate: 20, cachedInputRate: null, tiers: [] })
  t.match(app.catalog.rates('anthropic/claude-sonnet-4-5'), { reasoningRate: 20, cachedInputRate: null, tiers: [] }, 'calls are priced at once with the new rates')
  const read = await adminCall(app, { url: '/api/admin/models/anthropic/claude-sonnet-4-5' })
  t.match(read.json(), { reasoningRate: 20, cacheWrite1hRate: 6 }, 'stored')
})

test('bad rates and tiers are refused with a clear 400', async (t) => {
  const app = await build(t)
  const bad = async (payload: Record<string, unknown>): Promise<string> => {
    const res = await adminCall(app, { method: 'POST', url: '/api/admin/models', payload: { id: 'openai/gpt-4o', inputRate: 1, outputRate: 1, ...payload } })
    t.equal(res.statusCode, 400, JSON.stringify(payload))
    return res.json().message as string
  }
  t.match(await bad({ cachedInputRate: -1 }), /cachedInputRate/)
  t.match(await bad({ reasoningRate: 'lots' }), /reasoningRate/)
  t.match(await bad({ tiers: [{ above: -5, inputRate: 1 }] }), /above/)
  t.match(await bad({ tiers: [{ inputRate: 1 }] }), /above/)
  t.match(await bad({ tiers: [{ above: 10, price: 1 }] }), /tiers/)
  t.match(await bad({ tiers: Array.from({ length: 11 }, (_, i) => ({ above: i })) }), /tiers/)
  t.equal((await adminCall(app, { url: '/api/admin/models/openai/gpt-4o' })).statusCode, 404, 'nothing was stored')
})
