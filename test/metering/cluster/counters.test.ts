import { test } from 'tap'
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import pino from 'pino'
import { ClusterCounters } from '#metering/cluster/counters.js'
import { adoptJournalSegments, workerJournalDir } from '#metering/usage-journal.js'
import { tempDir } from '../../helpers/build.js'

const log = pino({ level: 'silent' })

test('budget: unseeded until a worker seeds it; reservations of every worker together never pass the limit', async (t) => {
  const counters = new ClusterCounters()
  t.same(counters.reserve(1, 'k', 10, 1), { outcome: 'unseeded' })
  counters.seed('k', 2.5)
  counters.seed('k', 9)
  t.equal(counters.used('k'), 2.5, 'a second seed (a racing worker) changes nothing')
  const answers = Array.from({ length: 20 }, (_, n) => counters.reserve(1 + (n % 2), 'k', 10, 1))
  const granted = answers.filter((a) => a.outcome === 'reserved')
  t.equal(granted.length, 7, 'exactly what fits in 10 - 2.5')
  t.same(answers.at(-1), { outcome: 'refused', remaining: 0.5 })
  for (const a of granted) if (a.outcome === 'reserved') counters.apply({ op: 'budget.settle', ticket: a.ticket, actual: 0.25 })
  t.equal(counters.used('k'), 2.5 + 7 * 0.25, 'settled to the real cost')
  const first = granted[0]
  if (first?.outcome === 'reserved') counters.apply({ op: 'budget.settle', ticket: first.ticket, actual: 5 })
  t.equal(counters.used('k'), 2.5 + 7 * 0.25, 'a ticket settles once')
})

test('a dead worker: its slots free, its reservations count as spent at their worst case', async (t) => {
  const counters = new ClusterCounters()
  counters.seed('k', 0)
  t.match(counters.reserve(1, 'k', 10, 3), { outcome: 'reserved' })
  t.match(counters.reserve(2, 'k', 10, 2), { outcome: 'reserved' })
  t.type(counters.acquire(1, 'slots', 2), 'number')
  t.type(counters.acquire(2, 'slots', 2), 'number')
  t.equal(counters.acquire(2, 'slots', 2), null, 'the cap holds across workers')
  counters.forget(1)
  t.type(counters.acquire(2, 'slots', 2), 'number', "worker 1's slot is free again")
  t.equal(counters.used('k'), 5, 'its reservation stays counted, now as spent')
  t.same(counters.reserve(2, 'k', 10, 5.5), { outcome: 'refused', remaining: 5 })
})

test('tokens per minute and requests per minute: one window for every worker', async (t) => {
  let now = 120_000
  const counters = new ClusterCounters(() => now)
  t.same(counters.take('k', 60, 100), { ok: true, remaining: 40, resetMs: 60_000 })
  t.match(counters.take('k', 50, 100), { ok: false, remaining: 40 })
  counters.apply({ op: 'tokens.adjust', key: 'k', delta: -30 })
  t.match(counters.take('k', 50, 100), { ok: true, remaining: 20 })
  now += 60_000
  t.match(counters.take('k', 100, 100), { ok: true, remaining: 0 }, 'a new minute, a new window')

  t.same(counters.incr('r', 60_000), { current: 1, ttl: 60_000 })
  now += 1_000
  t.same(counters.incr('r', 60_000), { current: 2, ttl: 59_000 })
  now += 59_000
  t.same(counters.incr('r', 60_000), { current: 1, ttl: 60_000 }, 'the window restarts once it is over')
  counters.sweep()
  t.same(counters.incr('r', 60_000), { current: 2, ttl: 60_000 }, 'a sweep keeps live windows')
})

test('idle accounts are dropped by the sweep, to be seeded again from the store', async (t) => {
  let now = 0
  const counters = new ClusterCounters(() => now)
  counters.seed('k', 1)
  now += 3_600_000
  counters.sweep()
  t.equal(counters.used('k'), null)
})

test('callers naming a new app per call cannot grow the primary\'s accounts without bound', async (t) => {
  const counters = new ClusterCounters(Date.now, 3)
  counters.seed('k\u0000busy', 0)
  t.match(counters.reserve(1, 'k\u0000busy', 10, 1), { outcome: 'reserved' })
  for (let i = 0; i < 20; i++) counters.seed(`k\u0000app-${i}`, 0)
  t.equal(counters.used('k\u0000busy'), 1, 'an account with a reservation in flight is kept')
  t.equal(counters.used('k\u0000app-0'), null, 'the oldest idle ones are dropped')
  t.equal(counters.used('k\u0000app-19'), 0)
})

test('journal segments of another WORKERS count are adopted by the folder that replays them', async (t) => {
  const root = join(tempDir(t), 'usage-journal')
  const segment = (dir: string, name: string): void => { mkdirSync(dir, { recursive: true }); writeFileSync(join(dir, name), '{}\n') }
  segment(root, 'a-single.jsonl')
  segment(workerJournalDir(root, 2), 'b-worker2.jsonl')
  segment(workerJournalDir(root, 3), 'c-worker3.jsonl')
  // a cluster of two: worker 1 takes the single process's and worker 3's; worker 2 keeps its own
  adoptJournalSegments(root, workerJournalDir(root, 1), new Set(['worker-1', 'worker-2']), log)
  t.same(readdirSync(workerJournalDir(root, 1)).sort(), ['a-single.jsonl', 'c-worker3.jsonl'])
  t.same(readdirSync(workerJournalDir(root, 2)), ['b-worker2.jsonl'])
  // back to one process: it takes every worker's
  adoptJournalSegments(root, root, new Set(), log)
  t.same(readdirSync(root).filter((name) => name.endsWith('.jsonl')).sort(), ['a-single.jsonl', 'b-worker2.jsonl', 'c-worker3.jsonl'])
})
