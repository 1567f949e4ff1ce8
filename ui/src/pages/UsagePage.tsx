import { lazy, Suspense, useState } from 'react'
import { EmptyState, ErrorMessage } from '../components/Feedback'
import { useAdminApi } from '../lib/auth'
import { formatDate } from '../lib/format'
import { ApiError } from '../lib/http'
import type { AccessKeyList, UsageReport, UsageRow } from '../lib/types'
import { useAction } from '../lib/use-action'
import { useLoad } from '../lib/use-load'
import { downloadUsageCsv } from './usage-download'

// the chart library is big; it loads only when there is something to draw
const UsageChart = lazy(async () => await import('./UsageChart'))

type Usage = { metered: false } | { metered: true, byDay: UsageReport, byModel: UsageRow[], byKey: UsageRow[], byApp: UsageRow[], keyNames: Map<string, string> }

const RANGES = [7, 30, 90]

const number = new Intl.NumberFormat()
const sum = (rows: UsageRow[], field: 'requests' | 'totalTokens' | 'credits'): number => rows.reduce((total, row) => total + row[field], 0)

/** Metered usage over the last 7, 30 or 90 days: totals, tokens per day, breakdowns by model, by key and by app, a CSV export. */
export function UsagePage () {
  const api = useAdminApi()
  const [days, setDays] = useState(30)
  const download = useAction()
  // the range's start, fixed when the range is chosen, so the tables and the export cover the same span
  const [since, setSince] = useState(() => sinceDaysAgo(30))
  const report = async (groupBy: string): Promise<UsageReport> => await api.request<UsageReport>('GET', `/api/admin/usage?${new URLSearchParams({ groupBy, since }).toString()}`)
  const usage = useLoad(async (): Promise<Usage> => {
    try {
      const [byDay, byModel, byKey, byApp, keys] = await Promise.all([
        report('day'), report('model'), report('key'), report('key,app'),
        api.request<AccessKeyList>('GET', '/api/admin/access-keys?limit=500')
      ])
      const keyNames = new Map(keys.items.map((key) => [key.id, key.name]))
      return { metered: true, byDay, byModel: byModel.items, byKey: byKey.items, byApp: byApp.items, keyNames }
    } catch (err) {
      // a gateway without metering has no usage API
      if (err instanceof ApiError && err.status === 404) return { metered: false }
      throw err
    }
  }, since)
  const data = usage.data
  const choose = (value: number): void => {
    setDays(value)
    setSince(sinceDaysAgo(value))
  }

  return (
    <>
      <h1>Usage</h1>
      <p className='lead'>
        Requests, tokens and credits across every key
        {data?.metered === true && <>, from {formatDate(data.byDay.since)} to {formatDate(data.byDay.until)}</>}.
      </p>
      {data?.metered !== false && (
        <div className='inline-form'>
          <label htmlFor='usage-range'>Range</label>
          <select id='usage-range' value={days} onChange={(e) => { choose(Number(e.target.value)) }}>
            {RANGES.map((n) => <option key={n} value={n}>Last {n} days</option>)}
          </select>
          <button
            type='button' disabled={download.busy}
            onClick={() => { void download.run(async () => { await downloadUsageCsv(api.token, new URLSearchParams({ groupBy: 'day,key,app,model', since })) }) }}
          >
            Download CSV
          </button>
        </div>
      )}
      <ErrorMessage>{download.error}</ErrorMessage>
      <ErrorMessage>{usage.error}</ErrorMessage>
      {usage.loading && data === undefined && <p>Loading usage…</p>}
      {data?.metered === false && (
        <EmptyState title='No usage data yet'>
          <p>This gateway does not meter usage. Once metering is enabled, requests and tokens per day and per model appear here.</p>
        </EmptyState>
      )}
      {data?.metered === true && (data.byDay.items.length === 0
        ? <EmptyState title='No usage recorded yet'><p>Usage appears here after the first request through the gateway.</p></EmptyState>
        : <UsageDetails report={data.byDay} byModel={data.byModel} byKey={data.byKey} byApp={data.byApp} keyNames={data.keyNames} />)}
    </>
  )
}

function UsageDetails ({ report, byModel, byKey, byApp, keyNames }: { report: UsageReport, byModel: UsageRow[], byKey: UsageRow[], byApp: UsageRow[], keyNames: Map<string, string> }) {
  // the biggest spenders first
  const biggestFirst = (rows: UsageRow[]): UsageRow[] => [...rows].sort((a, b) => b.credits - a.credits || b.requests - a.requests)
  return (
    <>
      <dl className='totals'>
        <div><dt>Requests</dt><dd>{number.format(sum(report.items, 'requests'))}</dd></div>
        <div><dt>Tokens</dt><dd>{number.format(sum(report.items, 'totalTokens'))}</dd></div>
        <div><dt>Credits</dt><dd>{number.format(sum(report.items, 'credits'))}</dd></div>
      </dl>
      {report.unpricedModels.length > 0 && (
        <p className='warning'>No price is set for {report.unpricedModels.join(', ')}: their usage counts zero credits.</p>
      )}
      <Suspense fallback={<p>Loading the chart…</p>}><UsageChart days={report.items} /></Suspense>
      <UsageTable
        title='By model' name='Model' rows={byModel} label={(row) => row.model ?? ''}
        columns={[
          ['Requests', 'requests'], ['Errors', 'errors'], ['Prompt tokens', 'promptTokens'], ['Cached', 'cachedTokens'],
          ['Cache writes', 'cacheWriteTokens'], ['1-hour cache writes', 'cacheWrite1hTokens'], ['Completion tokens', 'completionTokens'],
          ['Reasoning', 'reasoningTokens'], ['Audio in', 'audioInputTokens'], ['Audio out', 'audioOutputTokens'],
          ['Seconds', 'seconds'], ['Characters', 'characters'], ['Credits', 'credits']
        ]}
      />
      <UsageTable
        title='By key' name='Key' rows={biggestFirst(byKey)} label={(row) => keyLabel(row.key ?? '', keyNames)}
        columns={[['Requests', 'requests'], ['Errors', 'errors'], ['Total tokens', 'totalTokens'], ['Credits', 'credits']]}
      />
      <UsageTable
        title='By app' name='App (key)' rows={biggestFirst(byApp)}
        label={(row) => `${row.app === undefined || row.app === '' ? '(no app)' : row.app} (${keyLabel(row.key ?? '', keyNames)})`}
        columns={[['Requests', 'requests'], ['Errors', 'errors'], ['Total tokens', 'totalTokens'], ['Credits', 'credits']]}
      />
    </>
  )
}

type Measure = Exclude<keyof UsageRow, 'day' | 'model' | 'key' | 'app'>

/** One breakdown ("By model"): a row per group, named by `label`, with the chosen measures. */
function UsageTable ({ title, name, rows, label, columns }: {
  title: string
  name: string
  rows: UsageRow[]
  label: (row: UsageRow) => string
  columns: Array<[heading: string, measure: Measure]>
}) {
  return (
    <>
      <h2 className='section'>{title}</h2>
      <div className='table-wrap'>
        <table>
          <caption className='visually-hidden'>Usage {title.toLowerCase()}</caption>
          <thead>
            <tr><th scope='col'>{name}</th>{columns.map(([heading]) => <th key={heading} scope='col'>{heading}</th>)}</tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              // the group's own dimensions: two keys may share a name
              <tr key={`${row.key ?? ''} ${row.app ?? ''} ${row.model ?? ''}`}>
                <th scope='row'>{label(row)}</th>
                {columns.map(([heading, measure]) => <td key={heading}>{number.format(row[measure])}</td>)}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  )
}

/** A key's name; a service calling with a JWT by its subject; an id no longer listed as it is. */
function keyLabel (id: string, names: Map<string, string>): string {
  if (id.startsWith('jwt:')) return `JWT ${id.slice(4)}`
  return names.get(id) ?? id
}

function sinceDaysAgo (days: number): string {
  return new Date(Date.now() - days * 86_400_000).toISOString()
}
