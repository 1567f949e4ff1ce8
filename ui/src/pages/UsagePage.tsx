import { lazy, Suspense } from 'react'
import { EmptyState, ErrorMessage } from '../components/Feedback'
import { useAdminApi } from '../lib/auth'
import { formatDate } from '../lib/format'
import { ApiError } from '../lib/http'
import type { UsageReport, UsageRow } from '../lib/types'
import { useLoad } from '../lib/use-load'

// the chart library is big; it loads only when there is something to draw
const UsageChart = lazy(async () => await import('./UsageChart'))

type Usage = { metered: false } | { metered: true, byDay: UsageReport, byModel: UsageRow[] }

const number = new Intl.NumberFormat()
const sum = (rows: UsageRow[], field: 'requests' | 'totalTokens' | 'credits'): number => rows.reduce((total, row) => total + row[field], 0)

/** The last 30 days of metered usage: totals, tokens per day, and a breakdown by model. */
export function UsagePage () {
  const api = useAdminApi()
  const usage = useLoad(async (): Promise<Usage> => {
    try {
      const [byDay, byModel] = await Promise.all([
        api.request<UsageReport>('GET', '/api/admin/usage?groupBy=day'),
        api.request<UsageReport>('GET', '/api/admin/usage?groupBy=model')
      ])
      return { metered: true, byDay, byModel: byModel.items }
    } catch (err) {
      // a gateway without metering has no usage API
      if (err instanceof ApiError && err.status === 404) return { metered: false }
      throw err
    }
  }, 'usage')
  const data = usage.data

  return (
    <>
      <h1>Usage</h1>
      <p className='lead'>
        Requests, tokens and credits across every key
        {data?.metered === true && <>, from {formatDate(data.byDay.since)} to {formatDate(data.byDay.until)}</>}.
      </p>
      <ErrorMessage>{usage.error}</ErrorMessage>
      {usage.loading && data === undefined && <p>Loading usage…</p>}
      {data?.metered === false && (
        <EmptyState title='No usage data yet'>
          <p>This gateway does not meter usage. Once metering is enabled, requests and tokens per day and per model appear here.</p>
        </EmptyState>
      )}
      {data?.metered === true && (data.byDay.items.length === 0
        ? <EmptyState title='No usage recorded yet'><p>Usage appears here after the first request through the gateway.</p></EmptyState>
        : <UsageDetails report={data.byDay} byModel={data.byModel} />)}
    </>
  )
}

function UsageDetails ({ report, byModel }: { report: UsageReport, byModel: UsageRow[] }) {
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
      <h2 className='section'>By model</h2>
      <div className='table-wrap'>
        <table>
          <caption className='visually-hidden'>Usage by model</caption>
          <thead>
            <tr><th scope='col'>Model</th><th scope='col'>Requests</th><th scope='col'>Errors</th><th scope='col'>Prompt tokens</th><th scope='col'>Completion tokens</th><th scope='col'>Credits</th></tr>
          </thead>
          <tbody>
            {byModel.map((row) => (
              <tr key={row.model}>
                <th scope='row'>{row.model}</th>
                <td>{number.format(row.requests)}</td>
                <td>{number.format(row.errors)}</td>
                <td>{number.format(row.promptTokens)}</td>
                <td>{number.format(row.completionTokens)}</td>
                <td>{number.format(row.credits)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  )
}
