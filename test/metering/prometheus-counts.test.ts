import { test } from 'tap'
import { AggregatorRegistry, Counter, Histogram, Registry } from 'prom-client'
import { LabelledCounter, LabelledHistogram } from '#metering/prometheus-counts.js'

const BUCKETS = [0.05, 0.1, 0.5, 1, 5]
const CALLS: Array<{ provider: string, model: string, status: string, seconds: number }> = [
  { provider: 'openai', model: 'gpt-4o', status: '200', seconds: 0.07 },
  { provider: 'anthropic', model: 'claude "x"\\y\nz', status: '429', seconds: 7 },
  { provider: 'openai', model: 'gpt-4o', status: '200', seconds: 0.05 },
  { provider: 'openai', model: 'gpt-4o-mini', status: '500', seconds: 0.6 },
  { provider: 'openai', model: 'gpt-4o', status: '200', seconds: 1 }
]

/** The same calls counted by prom-client's own metrics and by ours, each in a registry of its own. */
function countBoth (): { theirs: Registry, ours: Registry } {
  const theirs = new Registry()
  const ours = new Registry()
  const labelNames = ['provider', 'model', 'status'] as const
  const counters = [
    new Counter({ name: 'calls_total', help: 'Calls', labelNames, registers: [theirs] }),
    new LabelledCounter({ name: 'calls_total', help: 'Calls', labelNames, registers: [ours] })
  ]
  const histograms = [
    new Histogram({ name: 'latency_seconds', help: 'Latency', labelNames: ['provider'] as const, buckets: BUCKETS, registers: [theirs] }),
    new LabelledHistogram({ name: 'latency_seconds', help: 'Latency', labelNames: ['provider'] as const, buckets: BUCKETS, registers: [ours] })
  ]
  for (const call of CALLS) {
    for (const counter of counters) counter.inc({ provider: call.provider, model: call.model, status: call.status })
    for (const counter of counters) counter.inc({ provider: call.provider, model: call.model, status: call.status }, 3)
    for (const histogram of histograms) histogram.observe({ provider: call.provider }, call.seconds)
  }
  return { theirs, ours }
}

test('counters and histograms expose the same /metrics text as prom-client for the same counts', async (t) => {
  const { theirs, ours } = countBoth()
  const text = await ours.metrics()
  t.equal(text, await theirs.metrics())
  t.match(text, /calls_total\{provider="openai",model="gpt-4o",status="200"\} 12/)
  t.match(text, /latency_seconds_bucket\{le="0\.1",provider="openai"\} 2/)
  t.match(text, /latency_seconds_count\{provider="anthropic"\} 1/)
})

test('the cluster primary aggregates them as it does prom-client metrics (two workers: the sums)', async (t) => {
  const { theirs, ours } = countBoth()
  const fromOurs = AggregatorRegistry.aggregate([await ours.getMetricsAsJSON(), await ours.getMetricsAsJSON()])
  const fromTheirs = AggregatorRegistry.aggregate([await theirs.getMetricsAsJSON(), await theirs.getMetricsAsJSON()])
  const text = await fromOurs.metrics()
  t.equal(text, await fromTheirs.metrics())
  t.match(text, /calls_total\{provider="openai",model="gpt-4o",status="200"\} 24/)
  t.match(text, /latency_seconds_bucket\{le="\+Inf",provider="openai"\} 8/)
})

test('a reset empties them; a value that is not a number is not observed', async (t) => {
  const { ours } = countBoth()
  const histogram = ours.getSingleMetric('latency_seconds') as unknown as LabelledHistogram<'provider'>
  histogram.observe({ provider: 'openai' }, Number.NaN)
  t.match(await ours.metrics(), /latency_seconds_count\{provider="openai"\} 4\n/)
  ours.resetMetrics()
  t.equal(await ours.metrics(), '# HELP calls_total Calls\n# TYPE calls_total counter\n\n# HELP latency_seconds Latency\n# TYPE latency_seconds histogram\n')
})
