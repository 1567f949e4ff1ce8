import { useState, type FormEvent } from 'react'
import { EmptyState, ErrorMessage } from '../components/Feedback'
import { useAdminApi } from '../lib/auth'
import { formatDate } from '../lib/format'
import { useLoad } from '../lib/use-load'
import type { AuditEntry } from '../lib/types'

const PAGE_SIZE = 100

/** Every admin action, newest first, from GET /api/admin/audit. */
export function AuditPage () {
  const api = useAdminApi()
  const [filter, setFilter] = useState('')
  const [query, setQuery] = useState({ action: '', offset: 0 })
  const params = new URLSearchParams({ limit: String(PAGE_SIZE), offset: String(query.offset) })
  if (query.action !== '') params.set('action', query.action)
  const audit = useLoad(async () => await api.request<{ items: AuditEntry[] }>('GET', `/api/admin/audit?${params.toString()}`), params.toString())
  const items = audit.data?.items ?? []

  const apply = (event: FormEvent): void => {
    event.preventDefault()
    setQuery({ action: filter.trim(), offset: 0 })
  }

  return (
    <>
      <h1>Audit log</h1>
      <p className='lead'>Every change made through the admin API: who did it, from where, and when.</p>
      <form className='inline-form' role='search' aria-label='Filter the audit log' onSubmit={apply}>
        <label htmlFor='audit-action'>Action</label>
        <input id='audit-action' placeholder='e.g. access_key.revoked' value={filter} onChange={(e) => { setFilter(e.target.value) }} />
        <button type='submit'>Filter</button>
      </form>
      <ErrorMessage>{audit.error}</ErrorMessage>
      {audit.loading && audit.data === undefined && <p>Loading the audit log…</p>}
      {audit.data !== undefined && items.length === 0 && <EmptyState title='No audit entries'><p>Nothing matches yet.</p></EmptyState>}
      {items.length > 0 && (
        <div className='table-wrap'>
          <table>
            <caption className='visually-hidden'>Audit log</caption>
            <thead>
              <tr><th scope='col'>When</th><th scope='col'>Actor</th><th scope='col'>Action</th><th scope='col'>Target</th><th scope='col'>IP</th><th scope='col'>Details</th></tr>
            </thead>
            <tbody>
              {items.map((entry) => (
                <tr key={entry.id}>
                  <td><time dateTime={entry.at}>{formatDate(entry.at)}</time></td>
                  <td>{entry.actor}</td>
                  <td><code>{entry.action}</code></td>
                  <td>{entry.targetType}{entry.targetId !== null && <> <code>{entry.targetId}</code></>}</td>
                  <td>{entry.ip ?? '—'}</td>
                  <td className='details'>{entry.details === null ? '—' : <code>{JSON.stringify(entry.details)}</code>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <nav className='pager' aria-label='Audit log pages'>
        <button type='button' disabled={query.offset === 0} onClick={() => { setQuery({ ...query, offset: Math.max(0, query.offset - PAGE_SIZE) }) }}>Newer</button>
        <button type='button' disabled={items.length < PAGE_SIZE} onClick={() => { setQuery({ ...query, offset: query.offset + PAGE_SIZE }) }}>Older</button>
      </nav>
    </>
  )
}
