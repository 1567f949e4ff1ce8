import { randomUUID } from 'node:crypto'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import pino from 'pino'
import { test } from 'tap'
import { UsageRecorder } from '../../lib/usage-recorder.js'
import type { UsageRecord } from '../../store/usage.js'
import { tempDir } from '../helpers/build.js'

const log = pino({ level: 'silent' })

function record (): UsageRecord {
  return {
    id: randomUUID(), requestId: randomUUID(), at: new Date().toISOString(), keyId: 'k', model: 'openai/gpt-4o', provider: 'openai',
    upstreamModel: 'gpt-4o', promptTokens: 1, completionTokens: 1, totalTokens: 2, credits: 0, priced: true, status: 200,
    latencyMs: 1, ttfbMs: 1, streamed: false, clientAborted: false, error: null
  }
}

/** A store whose writes fail while `down` is true. */
function flakyStore (): { written: UsageRecord[], down: boolean, write: (batch: UsageRecord[]) => Promise<void> } {
  const store = {
    written: [] as UsageRecord[],
    down: false,
    async write (batch: UsageRecord[]) {
      if (store.down) throw new Error('connection refused')
      store.written.push(...batch)
    }
  }
  return store
}

test('records are written in batches and flushed on close', async (t) => {
  const store = flakyStore()
  const recorder = new UsageRecorder({ write: store.write, log, flushMs: 60_000, batchSize: 3, maxBuffer: 100, spoolFile: join(tempDir(t), 'spool') })
  for (let i = 0; i < 4; i++) recorder.add(record())
  await recorder.flush()
  t.equal(store.written.length, 4)
  recorder.add(record())
  await recorder.close()
  t.equal(store.written.length, 5, 'the last record was flushed on close')
})

test('a briefly unavailable store loses nothing: records are retried when it is back', async (t) => {
  const store = flakyStore()
  let failures = 0
  const recorder = new UsageRecorder({ write: store.write, log, flushMs: 60_000, batchSize: 10, maxBuffer: 100, spoolFile: join(tempDir(t), 'spool'), onWriteFailed: () => { failures++ } })
  store.down = true
  for (let i = 0; i < 5; i++) recorder.add(record())
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

test('past the buffer bound the oldest records are dropped and counted', async (t) => {
  const store = flakyStore()
  store.down = true
  let dropped = 0
  const recorder = new UsageRecorder({ write: store.write, log, flushMs: 60_000, batchSize: 100, maxBuffer: 3, spoolFile: join(tempDir(t), 'spool'), onDropped: (n) => { dropped += n } })
  const records = Array.from({ length: 5 }, record)
  records.forEach((r) => recorder.add(r))
  t.equal(dropped, 2)
  store.down = false
  await recorder.flush()
  t.same(store.written.map((r) => r.id), records.slice(2).map((r) => r.id), 'the newest three survived')
  await recorder.close()
})

test('records the store still refuses at shutdown are spooled and written by the next start', async (t) => {
  const spoolFile = join(tempDir(t), 'spool')
  const store = flakyStore()
  store.down = true
  const first = new UsageRecorder({ write: store.write, log, flushMs: 60_000, batchSize: 10, maxBuffer: 100, spoolFile })
  const records = [record(), record()]
  records.forEach((r) => first.add(r))
  await first.close()
  t.ok(existsSync(spoolFile), 'spooled to disk')

  store.down = false
  const second = new UsageRecorder({ write: store.write, log, flushMs: 60_000, batchSize: 10, maxBuffer: 100, spoolFile })
  t.equal(second.pending, 2, 'replayed at start')
  await second.flush()
  t.same(store.written.map((r) => r.id), records.map((r) => r.id))
  t.notOk(existsSync(spoolFile), 'spool removed once written')
  await second.close()
})
