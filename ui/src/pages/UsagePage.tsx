import { lazy, Suspense } from 'react'
import { EmptyState, ErrorMessage } from '../components/Feedback'
import { useAdminApi } from '../lib/auth'
import { ApiError } from '../lib/http'
import { useLoad } from '../lib/use-load'
import type { UsageRow } from './UsageChart'

// the chart library is big; it loads only when there is something to draw
const UsageChart = lazy(async () => await import('./UsageChart'))

type Usage = { available: false } | { available: true, items: UsageRow[] }

/** Token usage per day. Until the gateway meters usage (no GET /api/admin/usage yet) it explains that instead. */
export function UsagePage () {
  const api = useAdminApi()
  const usage = useLoad(async (): Promise<Usage> => {
    try {
      const { items } = await api.request<{ items: UsageRow[] }>('GET', '/api/admin/usage')
      return { available: true, items }
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) return { available: false }
      throw err
    }
  }, 'usage')

  return (
    <>
      <h1>Usage</h1>
      <p className='lead'>Tokens and requests per day, across every key and model.</p>
      <ErrorMessage>{usage.error}</ErrorMessage>
      {usage.loading && usage.data === undefined && <p>Loading usage…</p>}
      {usage.data?.available === false && (
        <EmptyState title='No usage data yet'>
          <p>This gateway does not meter usage yet. Once metering is enabled, requests and tokens per day and per model appear here.</p>
        </EmptyState>
      )}
      {usage.data?.available === true && (usage.data.items.length === 0
        ? <EmptyState title='No usage recorded yet'><p>Usage appears here after the first request through the gateway.</p></EmptyState>
        : <Suspense fallback={<p>Loading the chart…</p>}><UsageChart rows={usage.data.items} /></Suspense>)}
    </>
  )
}
