import { randomUUID } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import pino from 'pino'
import { test } from 'tap'
import { UsageRecorder, type UsageRecorderOptions } from '#metering/usage-recorder.js'
import { usageRowValues, type UsageRecord, type UsageRowValues } from '#store/usage.js'
import { openStore } from '#store/index.js'
import { tempDir } from '../helpers/build.js'

const log = pino({ level: 'silent' })

/** A record as versions before rows were journaled wrote it (one JSON object a line). */
function record (fields: Partial<UsageRecord> = {}): UsageRecord {
  return {
    id: randomUUID(), requestId: randomUUID(), at: new Date().toISOString(), keyId: 'k', model: 'openai/gpt-4o', provider: 'openai',
    upstreamModel: 'gpt-4o', promptTokens: 1, completionTokens: 1, totalTokens: 2, credits: 0, priced: true, status: 200,
    latencyMs: 1, ttfbMs: 1, streamed: false, clientAborted: false, error: null, ...fields
  }
}

/** A record as the recorder takes it: its usage_records row. */
function row (fields: Partial<UsageRecord> = {}): UsageRowValues {
  return usageRowValues(record(fields))
}

const idOf = (values: UsageRowValues): unknown => values[0]

/** A store whose writes fail while `down` is true. */
function flakyStore (): { written: UsageRowValues[], down: boolean, write: (batch: UsageRowValues[]) => Promise<void> } {
  const store = {
    written: [] as UsageRowValues[],
    down: false,
    async write (batch: UsageRowValues[]) {
      if (store.down) throw new Error('connection refused')
      store.written.push(...batch)
    }
  }
  return store
}

/** The journal's segment files in `dir`. */
function segments (dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).filter((name) => name.endsWith('.jsonl')).map((name) => join(dir, name)) : []
}

/** Ids of every record journaled in `dir`. */
function journaledIds (dir: string): unknown[] {
  return segments(dir).flatMap((file) => readFileSync(file, 'utf8').split('\n').filter(Boolean).map((line) => (JSON.parse(line) as UsageRowValues)[0]))
}

function recorderOn (journalDir: string, write: (batch: UsageRowValues[]) => Promise<void>, more: Partial<UsageRecorderOptions> = {}): UsageRecorder {
  return new UsageRecorder({ write, log, flushMs: 60_000, batchSize: 100, maxBuffer: 100, journalDir, ...more })
}

test('records are written in batches and flushed on close', async (t) => {
  const store = flakyStore()
  const recorder = new UsageRecorder({ write: store.write, log, flushMs: 60_000, batchSize: 3, maxBuffer: 100, journalDir: tempDir(t) })
  for (let i = 0; i < 4; i++) recorder.add(row())
  await recorder.flush()
  t.equal(store.written.length, 4)
  recorder.add(row())
  await recorder.close()
  t.equal(store.written.length, 5, 'the last record was flushed on close')
})

test('a briefly unavailable store loses nothing: records are retried when it is back', async (t) => {
  const store = flakyStore()
  let failures = 0
  const recorder = new UsageRecorder({ write: store.write, log, flushMs: 60_000, batchSize: 10, maxBuffer: 100, journalDir: tempDir(t), onWriteFailed: () => { failures++ } })
  store.down = true
  for (let i = 0; i < 5; i++) recorder.add(row())
  await recorder.flush()
  t.equal(store.written.length, 0)
  t.equal(recorder.pending, 5, 'kept in the buffer')
  t.equal(failures, 1, 'the failure was counted')
  store.down = false
  await recorder.flush()
  t.equal(store.written.length, 5)
  t.equal(recorder.pending, 0)
  await recorder.close()
})

test('a record the store refuses for its content is dropped alone; the others of its batch are written', async (t) => {
  const written: UsageRowValues[] = []
  // Postgres refuses text it cannot hold (SQLSTATE 22021) for the whole batch holding it
  const store = {
    down: false,
    /** Goes down right after the next record written on its own. */
    downAfterSingle: false,
    async write (batch: UsageRowValues[]) {
      if (store.down) throw new Error('connection refused')
      if (batch.some((r) => r[4] === 'poison')) throw Object.assign(new Error('invalid byte sequence'), { code: '22021' })
      written.push(...batch)
      if (batch.length === 1 && store.downAfterSingle) store.down = true
    }
  }
  const dir = tempDir(t)
  let rejected = 0
  let failures = 0
  const recorder = new UsageRecorder({
    write: store.write, log, flushMs: 60_000, batchSize: 100, maxBuffer: 100, journalDir: dir, segmentRotateMs: 0,
    isRejection: (err) => (err as { code?: string }).code === '22021', onRejected: (n) => { rejected += n }, onWriteFailed: () => { failures++ }
  })
  const records = Array.from({ length: 5 }, (_, i) => row(i === 2 ? { model: 'poison' } : {}))
  records.forEach((r) => recorder.add(r))
  await recorder.flush()
  t.same(written.map(idOf), records.filter((r) => r[4] !== 'poison').map(idOf), 'every other record is in the store')
  t.equal(rejected, 1, 'the refused one is counted')
  t.equal(failures, 0, 'nothing is left to retry')
  t.equal(recorder.pending, 0)
  t.same(segments(dir), [], 'the refused record is not replayed at the next start either')

  // the store goes away while the batch is written one by one: what is not written yet waits for the next flush
  const more = Array.from({ length: 3 }, (_, i) => row(i === 0 ? { model: 'poison' } : {}))
  more.forEach((r) => recorder.add(r))
  store.downAfterSingle = true
  written.length = 0
  // the first one-by-one write is the poison record (refused), the second succeeds and takes the store down
  await recorder.flush()
  t.same(written.map(idOf), [idOf(more[1]!)], 'written up to the outage')
  t.equal(recorder.pending, 1, 'the rest waits')
  t.equal(failures, 1)
  store.down = false
  store.downAfterSingle = false
  await recorder.flush()
  t.same(written.map(idOf), [idOf(more[1]!), idOf(more[2]!)], 'and is written once the store is back')
  t.equal(rejected, 2)
  await recorder.close()
})

test('past the buffer bound the oldest records are dropped and counted', async (t) => {
  const store = flakyStore()
  store.down = true
  let dropped = 0
  const dir = tempDir(t)
  const recorder = new UsageRecorder({ write: store.write, log, flushMs: 60_000, batchSize: 100, maxBuffer: 3, journalDir: dir, segmentRotateMs: 0, onDropped: (n) => { dropped += n } })
  const records = Array.from({ length: 5 }, () => row())
  records.forEach((r) => recorder.add(r))
  t.equal(dropped, 2)
  store.down = false
  await recorder.flush()
  t.same(store.written.map(idOf), records.slice(2).map(idOf), 'the newest three survived')
  t.same(segments(dir), [], 'the dropped records released their segment too: nothing is left to replay')
  await recorder.close()
})


test('add() journals the record, one JSON line in a segment only the gateway user can read, once written() resolves', async (t) => {
  const dir = tempDir(t)
  const recorder = recorderOn(dir, flakyStore().write)
  const first = row()
  recorder.add(first)
  await recorder.written()
  const [segment, ...others] = segments(dir)
  t.same(others, [], 'one segment')
  t.same(JSON.parse(readFileSync(segment ?? '', 'utf8')), first, 'the record\'s whole row, as one line')
  t.equal(statSync(segment ?? '').mode & 0o777, 0o600)
  await recorder.close()
})

test('the records added in one event-loop turn are written together, at the end of that turn', async (t) => {
  const dir = tempDir(t)
  const recorder = recorderOn(dir, flakyStore().write)
  const records = Array.from({ length: 5 }, () => row())
  records.forEach((r) => recorder.add(r))
  const written = recorder.written()
  t.ok(written, 'something to wait for')
  t.same(journaledIds(dir), [], 'nothing written during the turn')
  await written
  t.same(journaledIds(dir), records.map(idOf), 'all of them after it, in order')
  t.equal(recorder.written(), undefined, 'then nothing is waiting')
  await recorder.close()
})

test('rotating at every flush, a segment is deleted once every record in it is in the store', async (t) => {
  const dir = tempDir(t)
  const store = flakyStore()
  const recorder = recorderOn(dir, store.write, { segmentRotateMs: 0 })
  for (let i = 0; i < 3; i++) recorder.add(row())
  await recorder.flush()
  t.equal(store.written.length, 3)
  t.same(segments(dir), [], 'written, so deleted')
  const late = row()
  recorder.add(late)
  await recorder.written()
  t.same(journaledIds(dir), [idOf(late)], 'a new record goes to a new segment')
  await recorder.close()
  t.same(segments(dir), [], 'flushed at close, so deleted')
  t.same(store.written.map(idOf).slice(3), [idOf(late)])
})

test('by default a segment takes the records of flushes for a second, then an idle flush closes and deletes it', async (t) => {
  const dir = tempDir(t)
  const store = flakyStore()
  const recorder = recorderOn(dir, store.write, { segmentRotateMs: 200 })
  const [first, second, third] = [row(), row(), row()]
  recorder.add(first)
  await recorder.flush()
  t.same(store.written.map(idOf), [idOf(first)], 'written at the flush')
  recorder.add(second)
  await recorder.written()
  t.equal(segments(dir).length, 1, 'a young segment is not closed by a flush: the next record goes to the same file')
  t.same(journaledIds(dir), [idOf(first), idOf(second)], 'a written record stays in it until it closes (a replay of it is a no-op)')
  await recorder.flush()
  await new Promise((resolve) => setTimeout(resolve, 250))
  t.equal(segments(dir).length, 1, 'nothing happens by itself between flushes')
  await recorder.flush()
  t.same(segments(dir), [], 'the periodic flush of an idle gateway closes the old segment: every record written, it is deleted')
  recorder.add(third)
  await recorder.written()
  t.same(journaledIds(dir), [idOf(third)], 'the next record opens a new segment')
  await recorder.close()
  t.same(segments(dir), [])
  t.same(store.written.map(idOf), [idOf(first), idOf(second), idOf(third)])
})

test('an old segment whose records the store refused stays through rotation until they are written', async (t) => {
  const dir = tempDir(t)
  const store = flakyStore()
  const recorder = recorderOn(dir, store.write, { segmentRotateMs: 0 })
  store.down = true
  const stuck = row()
  recorder.add(stuck)
  await recorder.flush()
  const late = row()
  recorder.add(late)
  await recorder.written()
  t.equal(segments(dir).length, 2, 'rotated: the refused record keeps its closed segment, the next one is in a new one')
  store.down = false
  await recorder.flush()
  t.same(segments(dir), [], 'both written, both deleted')
  t.same(store.written.map(idOf), [idOf(stuck), idOf(late)])
  await recorder.close()
})

test('records of a process killed before its flush are written by the next start on the same directory', async (t) => {
  const dir = tempDir(t)
  const before = flakyStore()
  // never closed and never flushed: the process is gone (SIGKILL) with its batch in memory
  const killed = recorderOn(dir, before.write)
  const records = Array.from({ length: 4 }, () => row())
  records.forEach((r) => killed.add(r))
  await killed.written()
  t.equal(before.written.length, 0)

  const after = flakyStore()
  const restarted = recorderOn(dir, after.write)
  t.equal(restarted.pending, 4, 'replayed at start')
  await restarted.flush()
  t.same(after.written.map(idOf), records.map(idOf), 'every record written, in order')
  t.same(segments(dir), [], 'the replayed segment is deleted once written')
  await restarted.close()
})

test('replay is idempotent: records written just before a kill, whose segment was not deleted yet, are stored once', async (t) => {
  const dataDir = tempDir(t)
  const dir = join(dataDir, 'usage-journal')
  const store = await openStore({ dataDir })
  t.teardown(() => store.close())
  // the store takes the batch, then the process dies before the segment is released
  const killed = recorderOn(dir, async (batch) => {
    await store.usage.insertRows(batch)
    await new Promise(() => {})
  })
  const records = Array.from({ length: 3 }, () => row())
  records.forEach((r) => killed.add(r))
  void killed.flush()
  const count = async (): Promise<number> => (await store.db.selectFrom('usage_records').select('id').execute()).length
  for (let i = 0; i < 50 && await count() < 3; i++) await new Promise((resolve) => setTimeout(resolve, 10))
  t.equal(await count(), 3, 'written before the kill')
  t.equal(journaledIds(dir).length, 3, 'and still journaled')

  const restarted = recorderOn(dir, async (batch) => { await store.usage.insertRows(batch) })
  t.equal(restarted.pending, 3, 'replayed')
  await restarted.flush()
  const rows = await store.db.selectFrom('usage_records').select('id').orderBy('id').execute()
  t.same(rows.map((r) => r.id), records.map(idOf).sort(), 'each record once')
  t.same(segments(dir), [])
  await restarted.close()
})

test('a failing store keeps the segments, through shutdown, until a later start writes them', async (t) => {
  const dir = tempDir(t)
  const store = flakyStore()
  store.down = true
  const first = recorderOn(dir, store.write)
  const records = [row(), row()]
  records.forEach((r) => first.add(r))
  await first.flush()
  t.same(journaledIds(dir), records.map(idOf), 'kept while the store fails')
  first.add(row())
  await first.close()
  t.equal(journaledIds(dir).length, 3, 'kept through shutdown, nothing spooled elsewhere')

  store.down = false
  const second = recorderOn(dir, store.write)
  t.equal(second.pending, 3, 'replayed at start')
  await second.flush()
  t.equal(store.written.length, 3)
  t.same(segments(dir), [], 'deleted once written')
  await second.close()
})

test('a torn last line (a write cut short) is skipped on replay; the rest is written', async (t) => {
  const dir = tempDir(t)
  const whole = row()
  writeFileSync(join(dir, '0-1-000001.jsonl'), JSON.stringify(whole) + '\n' + JSON.stringify(row()).slice(0, 40), { mode: 0o600 })
  const store = flakyStore()
  const recorder = recorderOn(dir, store.write)
  await recorder.flush()
  t.same(store.written.map(idOf), [idOf(whole)])
  t.same(segments(dir), [])
  await recorder.close()
})

test('the shutdown spool of earlier versions is replayed once and deleted', async (t) => {
  const dataDir = tempDir(t)
  const spool = join(dataDir, 'usage-spool.jsonl')
  const records = [record(), record()]
  writeFileSync(spool, records.map((r) => JSON.stringify(r)).join('\n') + '\n', { mode: 0o600 })
  const store = flakyStore()
  const recorder = recorderOn(join(dataDir, 'usage-journal'), store.write, { legacySpoolFile: spool })
  t.equal(recorder.pending, 2)
  await recorder.flush()
  t.same(store.written, records.map(usageRowValues), 'as the rows of those records')
  t.notOk(existsSync(spool), 'spool deleted once written')
  await recorder.close()
})

test('a journal left by other versions is replayed into the store: record objects, rows from before a column, from after one, and rows alike', async (t) => {
  const dataDir = tempDir(t)
  const dir = join(dataDir, 'usage-journal')
  const store = await openStore({ dataDir })
  t.teardown(() => store.close())
  const object = record({ app: 'from-an-object', promptTokens: 7 })
  const current = row({ app: 'from-a-row', completionTokens: 9 })
  // journaled by a version whose table had no app column yet: the row is one value short
  const beforeApp = row({ totalTokens: 11 }).slice(0, -1)
  // journaled by a later version with one more column, then downgraded: the record is kept without it
  const afterMore = [...row({ app: 'from-a-later-version' }), 'a later column']
  const foreign = [
    JSON.stringify({ no: 'id' }), JSON.stringify([randomUUID(), 'too short']), JSON.stringify([...row()].map((v, i) => i === 5 ? { an: 'object' } : v))
  ]
  mkdirSync(dir)
  writeFileSync(join(dir, '0-1-000001.jsonl'), [JSON.stringify(object), ...foreign, JSON.stringify(beforeApp), JSON.stringify(afterMore), JSON.stringify(current)].join('\n') + '\n', { mode: 0o600 })
  const recorder = recorderOn(dir, async (rows) => { await store.usage.insertRows(rows) })
  t.equal(recorder.pending, 4, 'the four records replayed, the foreign lines skipped')
  await recorder.flush()
  const stored = await store.db.selectFrom('usage_records').select(['id', 'app', 'prompt_tokens', 'completion_tokens', 'total_tokens']).execute()
  const byId = new Map(stored.map((r) => [r.id, r]))
  t.match(byId.get(object.id), { app: 'from-an-object', prompt_tokens: 7 }, 'an object line, as versions before wrote it')
  t.match(byId.get(idOf(current) as string), { app: 'from-a-row', completion_tokens: 9 }, 'a row line')
  t.match(byId.get(idOf(beforeApp) as string), { app: '', total_tokens: 11 }, 'a row from before a column, completed with its default')
  t.match(byId.get(idOf(afterMore) as string), { app: 'from-a-later-version' }, 'a row from after a column, stored without it')
  t.equal(stored.length, 4)
  t.same(segments(dir), [], 'deleted once written')
  await recorder.close()
})

test('an unwritable journal directory degrades to memory: one error logged, records still written, nothing thrown', async (t) => {
  const base = tempDir(t)
  writeFileSync(join(base, 'not-a-dir'), '')
  const errors: string[] = []
  const capture = pino({ level: 'error' }, { write: (line: string) => { errors.push((JSON.parse(line) as { msg: string }).msg) } })
  const store = flakyStore()
  let dropped = 0
  let journalFailures = 0
  const recorder = recorderOn(join(base, 'not-a-dir', 'usage-journal'), store.write, {
    log: capture, onDropped: (n) => { dropped += n }, onJournalFailed: () => { journalFailures++ }
  })
  for (let i = 0; i < 3; i++) recorder.add(row())
  t.equal(journalFailures, 1, 'one failed attempt, then no new one until the next flush')
  await recorder.flush()
  for (let i = 0; i < 2; i++) recorder.add(row())
  await recorder.flush()
  t.equal(store.written.length, 5, 'written from memory')
  t.equal(journalFailures, 2, 'the journal is tried again after each flush, and each failure counted (for alerting)')
  t.equal(errors.length, 1, 'logged once, not per record or per flush')
  t.match(errors[0], /usage journal not usable/)
  store.down = true
  recorder.add(row())
  await recorder.close()
  t.equal(dropped, 1, 'a record neither journaled nor written at shutdown is counted as dropped')
})
