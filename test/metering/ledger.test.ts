import { test } from 'tap'
import { MemoryBudgetLedger, periodStart } from '#metering/ledger/memory.js'
import { MemoryTokenWindow } from '#metering/token-window/memory.js'

test('200 concurrent reservations against a limit that allows 20 never overspend', async (t) => {
  let loads = 0
  const ledger = new MemoryBudgetLedger(async () => { loads++; await new Promise((resolve) => setTimeout(resolve, 10)); return 0 })
  const check = { keyId: 'k', periodStart: periodStart('total'), limit: 20, estimate: 1 }
  const outcomes = await Promise.all(Array.from({ length: 200 }, async () => await ledger.reserve(check)))
  const granted = outcomes.filter((o) => !('refused' in o))
  t.equal(granted.length, 20, 'exactly as many as fit')
  t.equal(outcomes.length - granted.length, 180, 'the rest refused')
  t.equal(loads, 1, 'spend loaded from the store once, not per request')
  for (const g of granted) if (!('refused' in g)) await g.settle(0.5)
  t.equal(await ledger.used('k', check.periodStart), 10, 'settled to the real cost, which frees budget')
  const again = await ledger.reserve(check)
  t.notOk('refused' in again, 'freed budget can be used again')
})

test('spend already in the store counts, and a new period starts fresh', async (t) => {
  const ledger = new MemoryBudgetLedger(async (_key, since) => since.startsWith('2026-11-01') ? 9.5 : 0)
  const november = { keyId: 'k', periodStart: '2026-11-01T00:00:00.000Z', limit: 10, estimate: 1 }
  t.match(await ledger.reserve(november), { refused: true, remaining: 0.5 })
  const december = await ledger.reserve({ ...november, periodStart: '2026-12-01T00:00:00.000Z' })
  t.notOk('refused' in december)
})

test('periods start at UTC day and month boundaries', async (t) => {
  const now = new Date('2026-11-24T15:30:00.000Z')
  t.equal(periodStart('day', now), '2026-11-24T00:00:00.000Z')
  t.equal(periodStart('month', now), '2026-11-01T00:00:00.000Z')
  t.equal(periodStart('total', now), '1970-01-01T00:00:00.000Z')
})

test('the token window admits up to the limit per minute and settles to real counts', async (t) => {
  const window = new MemoryTokenWindow()
  t.match(await window.take('k', 600, 1000), { ok: true, remaining: 400 })
  t.match(await window.take('k', 600, 1000), { ok: false, remaining: 400 })
  await window.adjust('k', -500) // the first call used 100, not 600
  t.match(await window.take('k', 600, 1000), { ok: true, remaining: 300 })
  const refused = await window.take('k', 1000, 1000)
  t.equal(refused.ok, false)
  t.ok(refused.resetMs > 0 && refused.resetMs <= 60_000, 'says when the window resets')
})
