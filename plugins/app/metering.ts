import { join } from 'node:path'
import fp from 'fastify-plugin'
import { Counter, Gauge } from 'prom-client'
import { meteringAdmission } from '#metering/admission.js'
import type { Admission } from '#gateway/admission.js'
import { MemoryBudgetLedger, type BudgetLedger } from '#metering/ledger/memory.js'
import { lockDataDir } from '#metering/data-dir-lock.js'
import { RedisBudgetLedger } from '#metering/ledger/redis.js'
import { RedisTokenWindow } from '#metering/token-window/redis.js'
import { MemoryTokenWindow, type TokenWindow } from '#metering/token-window/memory.js'
import { ClusterBudgetLedger } from '#metering/ledger/cluster.js'
import { ClusterTokenWindow } from '#metering/token-window/cluster.js'
import { clusterLink } from '#metering/cluster/link.js'
import { adoptJournalSegments, workerJournalDir } from '#metering/usage-journal.js'
import { UsageEvents, type UsageEvent } from '#gateway/usage-events.js'
import { UsageRecorder } from '#metering/usage-recorder.js'
import { storableText } from '#store/storable-text.js'
import { timeOrderedId } from '#store/time-ordered-id.js'
import { ThrottledWarning } from '#metering/throttled-warning.js'
import { modelLabeller } from '#metering/model-label.js'
import { isDataError } from '#store/index.js'
import { usageRowValues, type UsageRecord } from '#store/usage.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** Emits one `usage` event per model call (gateway/usage-events.ts); metering records each, metrics count them. */
    usageEvents: UsageEvents
    metering: {
      recorder: UsageRecorder
      ledger: BudgetLedger
      /** The check every model call passes before going upstream: budgets, tokens per minute (metering/admission.ts). */
      admission: Admission
      /** Rolls complete days up and purges raw records past retention (also run on a timer). */
      maintain: () => Promise<void>
    }
  }
}

/**
 * Usage metering: every model call's usage event becomes a record (credits from catalog rates), journaled to
 * DATA_DIR synchronously as the call ends (before the answer's last byte), then written to the store in batches off
 * the request path; budgets and tokens-per-minute are enforced by the admission check the model-call service is built with.
 */
export default fp(async (app) => {
  const config = app.config
  const registers = [app.metrics.registry]
  const dropped = new Counter({ name: 'hubgate_usage_records_dropped_total', help: 'Usage records dropped because the store stayed unavailable', registers })
  const rejected = new Counter({
    name: 'hubgate_usage_records_rejected_total',
    help: 'Usage records the store refused for their content (each logged with its id); dropped instead of holding up the others',
    registers
  })
  const writeFailures = new Counter({ name: 'hubgate_usage_write_failures_total', help: 'Failed usage batch writes (retried)', registers })
  const journalFailures = new Counter({
    name: 'hubgate_usage_journal_failures_total',
    help: 'Failed opens or writes of the usage journal (DATA_DIR/usage-journal); while it fails, records wait in memory only and a crash would lose them',
    registers
  })
  const unpriced = new Counter({ name: 'hubgate_unpriced_usage_total', help: 'Calls recorded at zero credits because their model has no price', labelNames: ['model'] as const, registers })
  const buffered = new Gauge({ name: 'hubgate_usage_records_pending', help: 'Usage records waiting to be written', registers, collect () { this.set(recorder.pending) } })
  void buffered

  // before the journal is replayed: it must be this process's alone (metering/data-dir-lock.ts). A cluster worker
  // (WORKERS > 1) runs under its primary's lock, with a journal folder of its own that its replacement replays
  const link = clusterLink()
  const journalRoot = join(config.DATA_DIR, 'usage-journal')
  const unlock = link === undefined ? await lockDataDir(config.DATA_DIR, config.DATA_DIR_LOCK_WAIT_MS, app.log) : undefined
  if (link === undefined) adoptJournalSegments(journalRoot, journalRoot, new Set(), app.log)
  const recorder = new UsageRecorder({
    write: async (rows) => { await app.store.usage.insertRows(rows) },
    log: app.log,
    flushMs: config.USAGE_FLUSH_MS,
    batchSize: config.USAGE_BATCH_SIZE,
    maxBuffer: config.USAGE_BUFFER_MAX,
    // per replica: a restarted replica replays what it journaled but had not written (DATA_DIR must be its own volume)
    journalDir: link === undefined ? journalRoot : workerJournalDir(journalRoot, link.slot),
    ...(link === undefined || link.slot === 1 ? { legacySpoolFile: join(config.DATA_DIR, 'usage-spool.jsonl') } : {}),
    onDropped: (count) => dropped.inc(count),
    isRejection: isDataError,
    onRejected: (count) => rejected.inc(count),
    onWriteFailed: () => writeFailures.inc(),
    onJournalFailed: () => journalFailures.inc()
  })
  const usageEvents = new UsageEvents(() => recorder.written())
  const spentSince = async (keyId: string, since: string, clientApp?: string): Promise<number> => await app.store.usage.spentSince(keyId, since, clientApp)
  // with REDIS_URL every replica shares one ledger and token window; with WORKERS > 1 the workers of this machine
  // share the primary's; otherwise they are this process's own
  const ledger: BudgetLedger = app.redis !== undefined
    ? new RedisBudgetLedger(app.redis, spentSince, app.log)
    : link !== undefined ? new ClusterBudgetLedger(link, spentSince) : new MemoryBudgetLedger(spentSince)
  const tokens: TokenWindow = app.redis !== undefined
    ? new RedisTokenWindow(app.redis, app.log)
    : link !== undefined ? new ClusterTokenWindow(link) : new MemoryTokenWindow()
  const admission = meteringAdmission({
    possibleRates: (model, from) => app.catalog.possibleRates(model, from),
    ledger,
    tokens,
    unpricedPolicy: config.UNPRICED_MODEL_POLICY,
    defaultMaxTokens: config.USAGE_DEFAULT_MAX_TOKENS
  })

  // per model at most every 10 minutes, and at most 20 models by name: clients choose model names under a "*" provider
  const unpricedWarning = new ThrottledWarning('model has no price in the catalog: its usage is recorded at zero credits', {
    everyMs: 600_000, maxSubjects: 20, warn: (fields, message) => { app.log.warn(fields, message) }
  })
  const modelLabel = modelLabeller(app.catalog, app.upstream.registry)
  usageEvents.on('usage', (event: UsageEvent) => {
    // priced once by the call's meter, which settled the key's budget with the same figure: records and budgets agree
    const credits = event.credits
    if (credits === undefined && (event.totalTokens > 0 || (event.images ?? 0) > 0)) {
      unpriced.inc({ model: modelLabel(event.model) })
      unpricedWarning.note(event.model, 'model')
    }
    recorder.add(usageRowValues(toRecord(event, credits ?? 0, credits !== undefined)))
  })

  const maintain = async (): Promise<void> => {
    const now = new Date()
    const yesterday = new Date(now.getTime() - 86_400_000).toISOString().slice(0, 10)
    await app.store.usage.rollup(yesterday)
    await app.store.usage.purge(new Date(now.getTime() - config.USAGE_RETENTION_DAYS * 86_400_000).toISOString())
  }
  const timer = setInterval(() => {
    maintain().catch((err: unknown) => { app.log.warn({ err }, 'usage rollup/retention failed; will retry') })
  }, config.USAGE_ROLLUP_INTERVAL_MS)
  timer.unref()

  app.decorate('usageEvents', usageEvents)
  app.decorate('metering', { recorder, ledger, admission, maintain })
  // onClose hooks run in reverse order of registration, so this flush happens before the store closes
  app.addHook('onClose', async () => {
    clearInterval(timer)
    await recorder.close()
    await unlock?.()
  })
}, { name: 'metering', dependencies: ['store', 'upstream', 'catalog', 'metrics', 'redis'] })

// field by field on purpose: a rest-and-spread copy of the event cost ~13 µs a call (V8 builds it as a dictionary)
function toRecord (event: UsageEvent, credits: number, priced: boolean): UsageRecord {
  return {
    id: timeOrderedId(),
    at: new Date().toISOString(),
    requestId: storableText(event.requestId),
    keyId: storableText(event.principalId),
    app: event.app ?? '',
    model: storableText(event.model),
    provider: storableText(event.provider),
    upstreamModel: storableText(event.upstreamModel),
    promptTokens: event.promptTokens,
    completionTokens: event.completionTokens,
    totalTokens: event.totalTokens,
    streamed: event.streamed,
    status: event.status,
    error: event.error === undefined ? null : storableText(event.error),
    latencyMs: event.latencyMs,
    ttfbMs: event.ttfbMs,
    clientAborted: event.clientAborted,
    credits,
    priced,
    cachedTokens: event.cachedTokens,
    cacheWriteTokens: event.cacheWriteTokens,
    cacheWrite1hTokens: event.cacheWrite1hTokens,
    reasoningTokens: event.reasoningTokens,
    audioInputTokens: event.audioInputTokens,
    audioOutputTokens: event.audioOutputTokens,
    seconds: event.seconds,
    characters: event.characters
  }
}
