import { test } from 'tap'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { adminCall, bearer } from '../helpers/build.js'
import { MemoryBudgetLedger, periodStart } from '#metering/ledger/memory.js'
import { STORES, chatUsingItsBound, limitedKey, priced, spendGateway } from './spend-bounds.js'

/*
 * perAppCreditLimit: each app's spend under a key (x-aigne-hub-client-did; none is app "") is held to it like the
 * key's creditLimit: reserved before the call, settled after, exactly, under concurrency, in memory and in Redis.
 */

const CALLS = 12
const messages = [{ role: 'user', content: 'count to three' }]
const body = { model: 'openai/gpt-4o-mini', max_tokens: 50, messages }
const promptBound = Buffer.byteLength(JSON.stringify(messages)) + Buffer.byteLength('[]')
/** What one call reserves at 1000 credits per 1M tokens either way (and what it costs: the mock uses its bound). */
const RESERVE = (promptBound + 50) * 1000 / 1e6

async function appBurst (app: FastifyInstance, key: string, client: string | undefined, count: number): Promise<LightMyRequestResponse[]> {
  const headers = { ...bearer(key), ...(client === undefined ? {} : { 'x-aigne-hub-client-did': client }) }
  return await Promise.all(Array.from({ length: count }, async () =>
    await app.inject({ method: 'POST', url: '/api/v2/chat/completions', headers, payload: body })))
}

async function spentByApp (app: FastifyInstance, keyId: string): Promise<Map<string, number>> {
  await app.metering.recorder.flush()
  const rows = await app.store.db.selectFrom('usage_records').select(['app', 'credits']).where('key_id', '=', keyId).execute()
  const spent = new Map<string, number>()
  for (const row of rows) spent.set(row.app, (spent.get(row.app) ?? 0) + Number(row.credits))
  return spent
}

for (const store of STORES) {
  test(`${store.name}: ${CALLS} concurrent calls of one app never pass its perAppCreditLimit; another app and no app have their own`, store.options, async (t) => {
    const gw = await spendGateway(t, store.env(t), chatUsingItsBound)
    await priced(gw.app, 'openai/gpt-4o-mini', { inputRate: 1000, outputRate: 1000 })
    const limit = RESERVE * 3.5
    const { id, key } = await limitedKey(gw.app, { perAppCreditLimit: limit })

    const first = await appBurst(gw.app, key, 'app-a', CALLS)
    const statuses = first.map((r) => r.statusCode)
    // a call settles below its reservation (the prompt's bytes bound its tokens), which frees room for a later one
    t.ok(statuses.filter((s) => s === 200).length >= 3, `at least the three that fit are served (${statuses.join(',')})`)
    t.ok(statuses.every((s) => s === 200 || s === 402) && statuses.includes(402), 'the rest are refused')
    t.match(first.find((r) => r.statusCode === 402)?.json().message, /Credit limit reached for app "app-a" under this key/)

    const second = await appBurst(gw.app, key, 'app-b', CALLS)
    t.ok(second.filter((r) => r.statusCode === 200).length >= 3, 'another app under the same key has its own allowance')
    const none = await appBurst(gw.app, key, undefined, CALLS)
    t.ok(none.filter((r) => r.statusCode === 200).length >= 3, 'calls without the header share app ""')
    const invalid = await appBurst(gw.app, key, 'not valid!', CALLS)
    t.ok(invalid.filter((r) => r.statusCode === 402).length >= CALLS - 1, 'an invalid app id is app "" too: it cannot buy a fresh allowance')
    t.ok(gw.usage.slice(-CALLS).every((event) => event.app === ''))

    const spent = await spentByApp(gw.app, id)
    for (const app of ['app-a', 'app-b', '']) {
      const credits = spent.get(app) ?? 0
      t.ok(credits <= limit + 1e-9 && credits > 0, `app "${app}" spent ${credits}, within ${limit}`)
    }
    const own = (await gw.app.inject({ url: '/api/v2/usage', headers: bearer(key) })).json()
    t.equal(own.perAppCreditLimit, limit)
    t.same(own.byApp.map((r: { app: string }) => r.app), ['', 'app-a', 'app-b'])
  })

  test(`${store.name}: with both limits, the key's creditLimit caps the apps together; a refused app gives its key reservation back`, store.options, async (t) => {
    const gw = await spendGateway(t, store.env(t), chatUsingItsBound)
    await priced(gw.app, 'openai/gpt-4o-mini', { inputRate: 1000, outputRate: 1000 })
    const { id, key } = await limitedKey(gw.app, { creditLimit: RESERVE * 4.5, perAppCreditLimit: RESERVE * 2.5 })
    const results = await Promise.all(['app-a', 'app-b', 'app-c'].map(async (app) => await appBurst(gw.app, key, app, 6)))
    const served = results.map((r) => r.filter((res) => res.statusCode === 200).length)
    t.ok(served.reduce((a, b) => a + b, 0) >= 4, `the key serves at least what its own limit holds (${served.join(',')})`)
    const spent = await spentByApp(gw.app, id)
    t.ok([...spent.values()].every((credits) => credits <= RESERVE * 2.5 + 1e-9), 'no app past its own limit')
    const total = [...spent.values()].reduce((a, b) => a + b, 0)
    t.ok(total <= RESERVE * 4.5 + 1e-9, `nor the key past its own: ${total}`)
    // the app refused for its own limit held no key reservation afterwards: what the key has used is what was spent
    const own = (await gw.app.inject({ url: '/api/v2/usage', headers: bearer(key) })).json()
    t.ok(Math.abs(own.creditsUsed - total) < 1e-9, `the key's ledger holds only settled spend (${own.creditsUsed} = ${total})`)
  })
}

test('perAppCreditLimit through the admin API: set on create, changed and removed by PATCH, checked like creditLimit', async (t) => {
  const gw = await spendGateway(t, {}, chatUsingItsBound)
  const { id } = await limitedKey(gw.app, { perAppCreditLimit: 5 })
  const read = async (): Promise<unknown> => (await adminCall(gw.app, { url: `/api/admin/access-keys/${id}` })).json().perAppCreditLimit
  t.equal(await read(), 5)
  t.equal((await adminCall(gw.app, { method: 'PATCH', url: `/api/admin/access-keys/${id}`, payload: { perAppCreditLimit: 7.5 } })).statusCode, 200)
  t.equal(await read(), 7.5)
  t.equal((await adminCall(gw.app, { method: 'PATCH', url: `/api/admin/access-keys/${id}`, payload: { perAppCreditLimit: null } })).statusCode, 200)
  t.equal(await read(), null)
  for (const bad of [-1, 1e13, 'five']) {
    const res = await adminCall(gw.app, { method: 'PATCH', url: `/api/admin/access-keys/${id}`, payload: { perAppCreditLimit: bad } })
    t.equal(res.statusCode, 400, `${JSON.stringify(bad)} is refused`)
  }
})

test('the memory ledger keeps an app\'s account apart from its key\'s and seeds it from that app\'s spend', async (t) => {
  const seeded: Array<string | undefined> = []
  const ledger = new MemoryBudgetLedger(async (_key, _since, app) => { seeded.push(app); return app === 'a' ? 9 : 1 })
  const check = { keyId: 'k', periodStart: periodStart('total'), limit: 10, estimate: 2 }
  t.match(await ledger.reserve({ ...check, app: 'a' }), { refused: true, remaining: 1 })
  t.notOk('refused' in await ledger.reserve({ ...check, app: 'b' }))
  t.notOk('refused' in await ledger.reserve(check))
  t.equal(await ledger.used('k', check.periodStart), 3)
  t.equal(await ledger.used('k', check.periodStart, 'b'), 3)
  t.same(seeded, ['a', 'b', undefined])
})

test('a key holder naming a new app per call cannot grow the memory ledger without bound', async (t) => {
  let loads = 0
  const ledger = new MemoryBudgetLedger(async () => { loads++; return 0 }, 3)
  const check = { keyId: 'k', periodStart: periodStart('total'), limit: 100, estimate: 1 }
  const inFlight = await ledger.reserve({ ...check, app: 'busy' })
  for (let i = 0; i < 50; i++) {
    const reservation = await ledger.reserve({ ...check, app: `app-${i}` })
    if (!('refused' in reservation)) await reservation.settle(1)
  }
  const accounts = (ledger as unknown as { appAccounts: Map<string, unknown> }).appAccounts
  t.ok(accounts.size <= 3, `${accounts.size} app accounts kept of 51 apps`)
  t.ok(accounts.has('k\u0000busy'), 'an account with a call in flight is never dropped')
  t.equal(await ledger.used('k', check.periodStart, 'busy'), 1, 'and still holds its reservation')
  loads = 0
  await ledger.used('k', check.periodStart, 'app-0')
  t.equal(loads, 1, 'a dropped app is read again from the store when it calls again')
  if (!('refused' in inFlight)) await inFlight.settle(1)
})
