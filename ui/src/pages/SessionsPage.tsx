import { useState } from 'react'
import { ConfirmDialog } from '../components/Modal'
import { EmptyState, ErrorMessage, StatusMessage } from '../components/Feedback'
import { useAdminApi } from '../lib/auth'
import { formatDate } from '../lib/format'
import { ssoEnabled } from '../lib/sso'
import { useAction } from '../lib/use-action'
import { useLoad } from '../lib/use-load'
import type { AdminSession } from '../lib/types'

type Dialog = { kind: 'end', session: AdminSession } | { kind: 'end-all' }
interface Ended { keys: unknown[], keysRevoked: boolean }

/** Who is signed in to the admin UI through single sign-on (GET /api/admin/sessions), and a way to end those sessions. */
export function SessionsPage () {
  const api = useAdminApi()
  const list = useLoad(async () => {
    const [enabled, sessions] = await Promise.all([ssoEnabled(), api.request<{ items: AdminSession[] }>('GET', '/api/admin/sessions')])
    return { enabled, items: sessions.items }
  }, '')
  const items = list.data?.items ?? []
  // this tab's own session is among them: ending it signs this tab out
  const includesMine = items.some((s) => s.current)
  const [dialog, setDialog] = useState<Dialog | null>(null)
  const [notice, setNotice] = useState('')
  // asked in the dialog whenever the sessions being ended issued access keys
  const [revokeKeys, setRevokeKeys] = useState(false)
  const confirmed = useAction()
  const keysOfAll = items.reduce((sum, s) => sum + s.createdKeys, 0)
  const query = revokeKeys ? '?revokeKeys=true' : ''

  const open = (next: Dialog): void => {
    confirmed.setError(undefined)
    setRevokeKeys(false)
    setDialog(next)
  }
  const close = (): void => { setDialog(null) }
  const endOne = async (session: AdminSession): Promise<void> => {
    const ended = await api.request<Ended>('DELETE', `/api/admin/sessions/${encodeURIComponent(session.id)}${query}`)
    if (session.current) return api.signOut('You ended your own session. Sign in again to continue.')
    setNotice(`Ended the session of ${who(session)}${keysNote(ended)}.`)
    setDialog(null)
    list.reload()
  }
  const endAll = async (): Promise<void> => {
    const ended = await api.request<Ended & { revoked: number }>('DELETE', `/api/admin/sessions${query}`)
    if (includesMine) return api.signOut('You ended every session, yours too. Sign in again to continue.')
    setNotice(`Ended ${ended.revoked} ${ended.revoked === 1 ? 'session' : 'sessions'}${keysNote(ended)}.`)
    setDialog(null)
    list.reload()
  }

  return (
    <>
      <div className='page-head'>
        <h1>Admin sessions</h1>
        {items.length > 0 && <button type='button' className='danger' onClick={() => { open({ kind: 'end-all' }) }}>End all sessions</button>}
      </div>
      <p className='lead'>People signed in to this admin UI through single sign-on. Ending a session signs that person out on every replica at once; admin access keys are not affected.</p>
      {notice !== '' && <StatusMessage>{notice}</StatusMessage>}
      <ErrorMessage>{list.error}</ErrorMessage>
      {list.loading && list.data === undefined && <p>Loading sessions…</p>}
      {list.data !== undefined && items.length === 0 && (
        list.data.enabled
          ? <EmptyState title='No one is signed in with single sign-on'><p>Sessions appear here while they last.</p></EmptyState>
          : <EmptyState title='Single sign-on is off'><p>Admins sign in with admin access keys. Set <code>OIDC_ISSUER</code> and <code>OIDC_CLIENT_ID</code> to offer single sign-on.</p></EmptyState>
      )}
      {items.length > 0 && (
        <div className='table-wrap'>
          <table>
            <caption className='visually-hidden'>Live admin sessions</caption>
            <thead>
              <tr><th scope='col'>Who</th><th scope='col'>Identity</th><th scope='col'>Signed in</th><th scope='col'>Expires</th><th scope='col'><span className='visually-hidden'>Actions</span></th></tr>
            </thead>
            <tbody>
              {items.map((session) => (
                <tr key={session.id}>
                  <th scope='row'>{who(session)}{session.current && <span className='badge current'>you</span>}</th>
                  <td><code>{session.subject}</code></td>
                  <td><time dateTime={session.issuedAt}>{formatDate(session.issuedAt)}</time></td>
                  <td><time dateTime={session.expiresAt}>{formatDate(session.expiresAt)}</time></td>
                  <td className='row-actions'><button type='button' aria-label={`End the session of ${who(session)}`} onClick={() => { open({ kind: 'end', session }) }}>End</button></td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      {dialog?.kind === 'end' && (
        <ConfirmDialog
          title={`End the session of ${who(dialog.session)}?`} confirmLabel='End session' danger busy={confirmed.busy}
          onConfirm={() => { void confirmed.run(async () => { await endOne(dialog.session) }) }} onCancel={close}
        >
          <p>Their next request to the admin API is refused; they can sign in again if they are still allowed to.</p>
          {dialog.session.current && <p className='warning'>This is your own session: ending it signs you out.</p>}
          <RevokeKeysChoice count={dialog.session.createdKeys} checked={revokeKeys} onChange={setRevokeKeys} />
          <ErrorMessage>{confirmed.error}</ErrorMessage>
        </ConfirmDialog>
      )}
      {dialog?.kind === 'end-all' && (
        <ConfirmDialog
          title='End every admin session?' confirmLabel='End all sessions' danger busy={confirmed.busy}
          onConfirm={() => { void confirmed.run(endAll) }} onCancel={close}
        >
          <p>Everyone signed in through single sign-on is signed out now and must sign in again.</p>
          {includesMine && <p className='warning'>Yours is one of them: you will be signed out.</p>}
          <RevokeKeysChoice count={keysOfAll} checked={revokeKeys} onChange={setRevokeKeys} />
          <ErrorMessage>{confirmed.error}</ErrorMessage>
        </ConfirmDialog>
      )}
    </>
  )
}

/** Whether to revoke the access keys the ended sessions issued too; nothing to ask when they issued none. */
function RevokeKeysChoice ({ count, checked, onChange }: { count: number, checked: boolean, onChange: (value: boolean) => void }) {
  if (count === 0) return null
  return (
    <label className='check'>
      <input type='checkbox' checked={checked} onChange={(e) => { onChange(e.target.checked) }} />
      Also revoke the {count === 1 ? 'access key' : `${count} access keys`} issued in {count === 1 ? 'this session' : 'these sessions'}
    </label>
  )
}

function keysNote ({ keys, keysRevoked }: Ended): string {
  if (keys.length === 0) return ''
  const count = keys.length === 1 ? 'access key' : `${keys.length} access keys`
  return keysRevoked ? ` and revoked the ${count} it issued` : `; the ${count} it issued still work`
}

function who (session: AdminSession): string {
  return session.name ?? session.email ?? session.subject
}
