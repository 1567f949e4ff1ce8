import { test } from 'tap'
import { timeOrderedId } from '#store/time-ordered-id.js'

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

test('usage record ids are RFC 9562 UUIDv7: time first, then random', async (t) => {
  const now = Date.UTC(2026, 10, 24, 4, 30, 0, 123)
  const id = timeOrderedId(now)
  t.match(id, UUID_V7, 'version 7, RFC variant')
  t.equal(parseInt(id.slice(0, 8) + id.slice(9, 13), 16), now, 'the first 48 bits are the millisecond time')
  const ids = Array.from({ length: 1000 }, () => timeOrderedId(now))
  t.equal(new Set(ids).size, ids.length, 'ids of one millisecond still differ')
  const later = [now, now + 1, now + 1_000, now + 86_400_000].map((ms) => timeOrderedId(ms))
  t.same([...later].sort(), later, 'a later id sorts after an earlier one (index inserts append)')
  t.match(timeOrderedId(), UUID_V7, 'defaults to the current time')
})

test('ids sort in the order they were made: within a millisecond, across a full counter, and if the clock steps back', async (t) => {
  const ms = (id: string): number => parseInt(id.slice(0, 8) + id.slice(9, 13), 16)
  const now = ms(timeOrderedId()) + 1 // later than any id made so far in this process
  const ids = Array.from({ length: 5_000 }, () => timeOrderedId(now))
  t.same([...ids].sort(), ids, '5000 ids of one millisecond, in order')
  t.ok(ids.every((id) => UUID_V7.test(id)))
  t.equal(ms(ids[4_095] as string), now, 'a millisecond holds 4096 ids')
  t.equal(ms(ids[4_096] as string), now + 1, 'the next borrows the following millisecond')
  const afterStepBack = timeOrderedId(now - 1_000)
  t.ok(afterStepBack > (ids.at(-1) as string), 'a clock stepping back does not break the order')
})
