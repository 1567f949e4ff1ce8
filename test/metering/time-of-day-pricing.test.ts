import { test, type Test } from 'tap'
import { findProvider, type ConditionalPrice } from '@pydantic/genai-prices'
import { roundCredits } from '#catalog/call-cost.js'
import { bearer, issueKey } from '../helpers/build.js'
import { openAIMock } from '../helpers/mock-openai.js'
import { storeGateway } from '../helpers/store-gateway.js'
import { eventually } from '../helpers/wait.js'

/*
 * An admin-added provider priced from the built-in list (issue 25): an OpenAI-compatible one at a loopback mock
 * that names DeepSeek as its price list provider is charged DeepSeek's published rates, whose peak and off-peak
 * windows come from the package's own record (not copied here: a package update moves them and the test follows).
 */

const CREDITS_PER_USD = 1_000_000
const MODEL = 'deepseek-chat'
const USAGE = { prompt_tokens: 1000, completion_tokens: 200, prompt_tokens_details: { cached_tokens: 400 } }

/** deepseek-chat's time-of-day price and the price outside it, as the package lists them. */
function deepseekWindows (): { peak: ConditionalPrice, other: ConditionalPrice, start: string, end: string } {
  const prices = findProvider({ providerId: 'deepseek' })?.models.find((m) => m.id === MODEL)?.prices
  if (!Array.isArray(prices) || prices.length !== 2) throw new Error('deepseek-chat no longer has one price and one time-of-day price; update this test')
  const [other, peak] = prices as [ConditionalPrice, ConditionalPrice]
  if (peak.constraint?.type !== 'time_of_date' || other.constraint !== undefined) throw new Error('unexpected deepseek-chat price layout')
  return { peak, other, start: peak.constraint.start_time, end: peak.constraint.end_time }
}

/** Credits for USAGE at a price record: uncached prompt at the input rate, cache reads at theirs, completion at output. */
function byHand (price: ConditionalPrice): number {
  const p = price.prices as Record<string, number>
  const cached = USAGE.prompt_tokens_details.cached_tokens
  return roundCredits(((USAGE.prompt_tokens - cached) * p.input_mtok! + cached * p.cache_read_mtok! + USAGE.completion_tokens * p.output_mtok!) * CREDITS_PER_USD / 1_000_000)
}

/** `time` ("16:30:00Z") on 2026-12-07, shifted by `seconds`. */
function at (time: string, seconds: number): number {
  return Date.parse(`2026-12-07T${time.replace(/Z$/, '')}Z`) + seconds * 1000
}

/** A gateway at the clock `clock.now` with provider ds2 at the mock, priced as DeepSeek. */
async function deepseekGateway (t: Test, clock: { now: number }): Promise<Awaited<ReturnType<typeof storeGateway>>> {
  const gw = await storeGateway(t, { BUILTIN_PRICES: 'true', CREDITS_PER_USD: String(CREDITS_PER_USD) }, undefined, () => clock.now)
  const created = await gw.admin('POST', '/api/admin/providers', { id: 'ds2', kind: 'openai-compatible', baseUrl: gw.mock.url, models: [MODEL], priceProvider: 'deepseek' })
  if (created.statusCode !== 201) throw new Error(created.body)
  await gw.admin('POST', '/api/admin/providers/ds2/credentials', { secret: 'sk-ds2-secret' })
  return gw
}

test('an admin-added provider naming DeepSeek as its price list provider is charged DeepSeek\'s rate in force when the call starts', async (t) => {
  const windows = deepseekWindows()
  const clock = { now: at(windows.end, -1) }
  const gw = await deepseekGateway(t, clock)
  t.match((await gw.admin('GET', '/api/admin/providers/ds2')).json(), { priceProvider: 'deepseek', builtinPrices: 'deepseek' })
  gw.mock.respond(openAIMock.answer({ content: 'ok', usage: USAGE }))
  const { key } = await issueKey(gw.app, { scopes: ['chat'], creditLimit: 1_000_000, creditPeriod: 'total' })
  const call = async (): Promise<number> => {
    const res = await gw.app.inject({ method: 'POST', url: '/api/v2/chat/completions', headers: bearer(key), payload: { model: `ds2/${MODEL}`, messages: [{ role: 'user', content: 'hi' }] } })
    t.equal(res.statusCode, 200, res.body)
    return Number(res.headers['x-hubgate-cost'])
  }

  const inside = await call()
  t.equal(inside, byHand(windows.peak), `one second before ${windows.end}: the time-of-day rate`)
  clock.now = at(windows.end, 1)
  const outside = await call()
  t.equal(outside, byHand(windows.other), `one second after ${windows.end}: the other rate`)
  t.not(inside, outside, 'the two windows price differently')
  clock.now = at(windows.start, -1)
  const third = await call()
  t.equal(third, byHand(windows.other), `one second before ${windows.start}: still the other rate`)

  const own = (await gw.app.inject({ url: '/api/v2/usage', headers: bearer(key) })).json()
  const charged = inside + outside + third
  t.ok(Math.abs(own.creditsUsed - charged) < 1e-9, `the key's budget settled to the same sum (${own.creditsUsed} = ${charged})`)
  t.ok(Math.abs(own.byModel[0].credits - charged) < 1e-9, `and so did its usage records (${own.byModel[0].credits})`)
})

test('a key\'s budget reserves the highest window\'s rate at any time of day, and settles at the start time\'s', async (t) => {
  const windows = deepseekWindows()
  const clock = { now: at(windows.end, 1) }
  const gw = await deepseekGateway(t, clock)
  // the answer uses its whole completion bound
  gw.mock.respond(async (req, res) => { await openAIMock.answer({ content: 'ok', usage: { prompt_tokens: 10, completion_tokens: Number(req.body?.max_tokens) } })(req, res) })
  const body = { model: `ds2/${MODEL}`, max_tokens: 200, messages: [{ role: 'user', content: 'hi' }] }
  const tight = await issueKey(gw.app, { scopes: ['chat'], creditLimit: 0.000001, creditPeriod: 'total' })
  const reserved = async (): Promise<number> => {
    const res = await gw.app.inject({ method: 'POST', url: '/api/v2/chat/completions', headers: bearer(tight.key), payload: body })
    t.equal(res.statusCode, 402, 'refused: the limit is below any reservation')
    return Number(/may cost up to (\d+(?:\.\d+)?)/.exec(res.json().message)?.[1])
  }
  const offPeakReserve = await reserved()
  clock.now = at(windows.end, -1)
  t.equal(await reserved(), offPeakReserve, 'the same reservation in either window: the highest one\'s')

  const rate = (price: ConditionalPrice, key: string): number => (price.prices as Record<string, number>)[key]! * CREDITS_PER_USD / 1_000_000
  const peakCost = 10 * rate(windows.peak, 'input_mtok') + 200 * rate(windows.peak, 'output_mtok')
  t.ok(offPeakReserve >= peakCost, `the reservation ${offPeakReserve} covers the call at the dearer window (${peakCost})`)

  const payer = await issueKey(gw.app, { scopes: ['chat'], creditLimit: 1_000_000, creditPeriod: 'total' })
  clock.now = at(windows.end, 1)
  const res = await gw.app.inject({ method: 'POST', url: '/api/v2/chat/completions', headers: bearer(payer.key), payload: body })
  t.equal(res.statusCode, 200)
  const offPeakCost = roundCredits(10 * rate(windows.other, 'input_mtok') + 200 * rate(windows.other, 'output_mtok'))
  t.equal(Number(res.headers['x-hubgate-cost']), offPeakCost, 'settled at the rate in force when it started')
  t.ok(offPeakCost <= offPeakReserve)
})

test('parallel calls at the cheaper hour, streamed or not, hold to a budget that fits two at the dearer hour\'s rate', async (t) => {
  const windows = deepseekWindows()
  const clock = { now: at(windows.end, 1) }
  const gw = await deepseekGateway(t, clock)
  const body = { model: `ds2/${MODEL}`, max_tokens: 200, messages: [{ role: 'user', content: 'hi' }] }
  // the reservation of one call, read from a refusal on a key with nothing to spend
  const probe = await issueKey(gw.app, { scopes: ['chat'], creditLimit: 0.000001, creditPeriod: 'total' })
  const refusal = await gw.app.inject({ method: 'POST', url: '/api/v2/chat/completions', headers: bearer(probe.key), payload: body })
  const reservation = Number(/may cost up to (\d+(?:\.\d+)?)/.exec(refusal.json().message)?.[1])
  t.ok(reservation > 0, 'one call reserves the dearer window\'s worst case')

  const { key } = await issueKey(gw.app, { scopes: ['chat'], creditLimit: reservation * 2.5, creditPeriod: 'total' })
  // the provider holds every admitted call until all are admitted or refused: every reservation overlaps
  let release: () => void = () => {}
  const held = new Promise<void>((resolve) => { release = resolve })
  gw.mock.respond(async (req, res) => { await held; await openAIMock.answer({ content: 'ok', usage: { prompt_tokens: 10, completion_tokens: 200 } })(req, res) })
  let refused = 0
  const calls = Array.from({ length: 8 }, async (_, i) => {
    const res = await gw.app.inject({ method: 'POST', url: '/api/v2/chat/completions', headers: bearer(key), payload: { ...body, stream: i % 2 === 0 } })
    if (res.statusCode === 402) refused++
    return res.statusCode
  })
  t.ok(await eventually(async () => gw.mock.requests.length + refused === 8, 10_000), 'every call admitted or refused')
  release()
  const statuses = await Promise.all(calls)
  t.same(statuses.filter((s) => s === 200).length, 2, 'two admitted, though the cheaper hour\'s price would fit more')
  t.same(statuses.filter((s) => s === 402).length, 6, 'the rest refused before going upstream')
  const own = (await gw.app.inject({ url: '/api/v2/usage', headers: bearer(key) })).json()
  t.ok(own.creditsUsed <= reservation * 2.5, `spend ${own.creditsUsed} within the limit`)
})

test('the admin\'s priceProvider: unknown ids are refused, null means none, a catalog rate wins over the list', async (t) => {
  const windows = deepseekWindows()
  const clock = { now: at(windows.end, -1) }
  const gw = await deepseekGateway(t, clock)
  const unknown = await gw.admin('POST', '/api/admin/providers', { id: 'other', kind: 'openai-compatible', baseUrl: gw.mock.url, priceProvider: 'no-such-price-list' })
  t.equal(unknown.statusCode, 400)
  t.match(unknown.json(), { error: 'Bad Request', message: /priceProvider "no-such-price-list" is not a provider of the built-in price list/ })
  const badPatch = await gw.admin('PATCH', '/api/admin/providers/ds2', { priceProvider: 'Deep Seek!' })
  t.equal(badPatch.statusCode, 400, 'a malformed id is refused by the schema')

  const list = await gw.admin('GET', '/api/admin/price-list')
  t.equal(list.statusCode, 200)
  t.ok(list.json().items.includes('deepseek') && list.json().items.includes('groq'), 'the price list\'s providers are listed for the admin UI')

  gw.mock.respond(openAIMock.answer({ content: 'ok', usage: USAGE }))
  t.equal(Number((await gw.chat(`ds2/${MODEL}`)).headers['x-hubgate-cost']), byHand(windows.peak), 'priced from the list')

  await gw.admin('POST', '/api/admin/models', { id: `ds2/${MODEL}`, inputRate: 1, outputRate: 2 })
  clock.now = at(windows.end, 1)
  // 1000 prompt tokens (cache reads default to the input rate) × 1 + 200 × 2, per 1M tokens, whatever the window
  t.equal((await gw.chat(`ds2/${MODEL}`)).headers['x-hubgate-cost'], '0.0014', 'the catalog\'s flat rate wins and stays flat')
  await gw.admin('DELETE', `/api/admin/models/${encodeURIComponent(`ds2/${MODEL}`)}`)

  const none = await gw.admin('PATCH', '/api/admin/providers/ds2', { priceProvider: null })
  t.equal(none.statusCode, 200)
  t.match(none.json(), { priceProvider: null, builtinPrices: null })
  const unpriced = await gw.chat(`ds2/${MODEL}`)
  t.equal(unpriced.statusCode, 200, 'unpriced models are let through by the default policy for keys without a limit')
  t.equal(unpriced.headers['x-hubgate-cost'], undefined, 'no built-in price once the admin set none')

  const auto = await gw.admin('PATCH', '/api/admin/providers/ds2', { priceProvider: 'auto' })
  t.match(auto.json(), { priceProvider: 'auto', builtinPrices: null }, 'auto: a loopback URL matches no price list provider')
})
