import type { Metric, Registry } from 'prom-client'

/*
 * Counters and histograms for what every call counts (requests, latencies, tokens), registered in a prom-client
 * registry and exposed exactly as prom-client's own Counter and Histogram are (/metrics text, the JSON the cluster
 * primary aggregates). prom-client 15 checks every label name and hashes the label set (names sorted, a string
 * built) on each inc() and observe(), and its `labels()` children do the same again: here a series is found in a
 * Map by its label values joined in the declared order, and the rest of the work waits for a scrape.
 */

type Labels<L extends string> = Readonly<Record<L, string>>

/** One line of the exposition, as prom-client's registry reads it (its published types do not name these shapes). */
interface SampleValue {
  value: number
  labels: Record<string, string | number>
  /** The series' labels, printed after `labels` (a histogram's `le` comes first). */
  sharedLabels?: Record<string, string>
  metricName?: string
}
interface Exposed { name: string, help: string, type: 'counter' | 'histogram', values: SampleValue[], aggregator: 'sum' }

/** Label values in declared order, joined by a character no label value of ours carries. */
function seriesKey<L extends string> (names: readonly L[], labels: Labels<L>): string {
  let key = labels[names[0]!]
  for (let i = 1; i < names.length; i++) key += '\u0000' + labels[names[i]!]
  return key
}

interface Described<L extends string> {
  name: string
  help: string
  labelNames: readonly L[]
  registers: Registry[]
}

abstract class CountedMetric<L extends string, S extends { labels: Labels<L> }> {
  readonly name: string
  readonly help: string
  readonly aggregator = 'sum' as const
  abstract readonly type: 'counter' | 'histogram'
  protected readonly series = new Map<string, S>()
  protected readonly labelNames: readonly L[]

  constructor (described: Described<L>) {
    this.name = described.name
    this.help = described.help
    this.labelNames = described.labelNames
    for (const registry of described.registers) registry.registerMetric(this as unknown as Metric)
  }

  /** The series of `labels`, made with `fresh` (given a copy of the labels) the first time. */
  protected seriesOf (labels: Labels<L>, fresh: (labels: Labels<L>) => S): S {
    const key = seriesKey(this.labelNames, labels)
    let found = this.series.get(key)
    if (found === undefined) {
      found = fresh({ ...labels })
      this.series.set(key, found)
    }
    return found
  }

  /** As prom-client's registry reads a metric for the text format. */
  async getForPromString (): Promise<Exposed> {
    return { name: this.name, help: this.help, type: this.type, values: this.values(), aggregator: this.aggregator }
  }

  /** As prom-client's `get()` answers (the cluster primary aggregates this): shared labels merged into each value's labels. */
  async get (): Promise<Exposed> {
    const values = this.values().map(({ labels, sharedLabels, ...value }) => ({ ...value, labels: { ...labels, ...sharedLabels } }))
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator }
  }

  reset (): void {
    this.series.clear()
  }

  protected abstract values (): SampleValue[]
}

/** A counter by label set (prom-client's Counter, counted in a Map). */
export class LabelledCounter<L extends string> extends CountedMetric<L, { labels: Labels<L>, value: number }> {
  readonly type = 'counter'

  inc (labels: Labels<L>, value = 1): void {
    this.seriesOf(labels, (copy) => ({ labels: copy, value: 0 })).value += value
  }

  protected values (): SampleValue[] {
    return [...this.series.values()].map(({ labels, value }) => ({ labels, value }))
  }
}

interface HistogramSeries<L extends string> { labels: Labels<L>, buckets: number[], sum: number, count: number }

/** A histogram by label set (prom-client's Histogram: cumulative buckets, then +Inf, sum and count). */
export class LabelledHistogram<L extends string> extends CountedMetric<L, HistogramSeries<L>> {
  readonly type = 'histogram'
  private readonly upperBounds: readonly number[]

  constructor (described: Described<L> & { buckets: readonly number[] }) {
    super(described)
    this.upperBounds = [...described.buckets].sort((a, b) => a - b)
  }

  /** A value that is not a finite number is not counted (prom-client would throw, in the middle of a call's accounting). */
  observe (labels: Labels<L>, value: number): void {
    if (!Number.isFinite(value)) return
    const series = this.seriesOf(labels, (copy) => ({ labels: copy, buckets: this.upperBounds.map(() => 0), sum: 0, count: 0 }))
    const bounds = this.upperBounds
    for (let i = 0; i < bounds.length; i++) {
      if (value <= bounds[i]!) { series.buckets[i]!++; break }
    }
    series.sum += value
    series.count++
  }

  protected values (): SampleValue[] {
    const bucketName = `${this.name}_bucket`
    const none: SampleValue['labels'] = {}
    return [...this.series.values()].flatMap(({ labels, buckets, sum, count }): SampleValue[] => {
      let below = 0
      return [
        ...this.upperBounds.map((bound, i) => ({ labels: { le: bound }, sharedLabels: labels, value: below += buckets[i]!, metricName: bucketName })),
        { labels: { le: '+Inf' }, sharedLabels: labels, value: count, metricName: bucketName },
        { labels: none, sharedLabels: labels, value: sum, metricName: `${this.name}_sum` },
        { labels: none, sharedLabels: labels, value: count, metricName: `${this.name}_count` }
      ]
    })
  }
}
