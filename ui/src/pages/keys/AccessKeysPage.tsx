import { useState, type FormEvent } from 'react'
import { ConfirmDialog } from '../../components/Modal'
import { EmptyState, ErrorMessage, StatusMessage } from '../../components/Feedback'
import { SecretReveal } from '../../components/SecretReveal'
import { useAdminApi } from '../../lib/auth'
import { useAction } from '../../lib/use-action'
import { useLoad } from '../../lib/use-load'
import type { AccessKey, AccessKeyList, IssuedAccessKey } from '../../lib/types'
import { KeyForm, type KeyFields } from './KeyForm'
import { KeyTable, type KeyAction } from './KeyTable'

const PAGE_SIZE = 50
const GRACE_CHOICES = [
  { seconds: 0, label: 'Stop the old secret at once' },
  { seconds: 300, label: 'Keep the old secret working for 5 minutes' },
  { seconds: 3600, label: 'Keep the old secret working for 1 hour' },
  { seconds: 86_400, label: 'Keep the old secret working for 24 hours' }
]

type Dialog =
  | { kind: 'create' }
  | { kind: KeyAction, key: AccessKey }
  | { kind: 'secret', title: string, issued: IssuedAccessKey }

export function AccessKeysPage () {
  const api = useAdminApi()
  const [query, setQuery] = useState({ search: '', offset: 0 })
  const [searchText, setSearchText] = useState('')
  const params = new URLSearchParams({ limit: String(PAGE_SIZE), offset: String(query.offset) })
  if (query.search !== '') params.set('search', query.search)
  const list = useLoad(async () => await api.request<AccessKeyList>('GET', `/api/admin/access-keys?${params.toString()}`), params.toString())
  const offset = query.offset
  const setOffset = (next: number): void => { setQuery({ ...query, offset: next }) }
  const applySearch = (event: FormEvent): void => {
    event.preventDefault()
    setQuery({ search: searchText.trim(), offset: 0 })
  }
  const [dialog, setDialog] = useState<Dialog | null>(null)
  const [notice, setNotice] = useState('')
  // a confirmed action (revoke, rotate): the dialog stays open with the error when it fails
  const confirmed = useAction()
  const [grace, setGrace] = useState(0)

  const done = (message: string, next: Dialog | null = null): void => {
    setNotice(message)
    setDialog(next)
    list.reload()
  }


  const create = async (fields: KeyFields): Promise<void> => {
    const issued = await api.request<IssuedAccessKey>('POST', '/api/admin/access-keys', fields)
    done(`Created key “${issued.name}”.`, { kind: 'secret', title: 'Access key created', issued })
  }
  const update = (key: AccessKey) => async (fields: KeyFields): Promise<void> => {
    await api.request<AccessKey>('PATCH', `/api/admin/access-keys/${encodeURIComponent(key.id)}`, fields)
    done(`Saved key “${fields.name}”.`)
  }
  const revoke = async (key: AccessKey): Promise<void> => {
    await api.request<AccessKey>('POST', `/api/admin/access-keys/${encodeURIComponent(key.id)}/revoke`)
    done(`Revoked key “${key.name}”. Requests with it are refused from now on.`)
  }
  const rotate = async (key: AccessKey): Promise<void> => {
    const issued = await api.request<IssuedAccessKey>('POST', `/api/admin/access-keys/${encodeURIComponent(key.id)}/rotate`, { graceSeconds: grace })
    done(`Rotated key “${key.name}”.`, { kind: 'secret', title: 'New secret issued', issued })
  }
  const open = (next: Dialog): void => {
    confirmed.setError(undefined)
    setGrace(0)
    setDialog(next)
  }
  const close = (): void => { setDialog(null) }
  // the prefix is the secret's first characters, so it identifies the key this tab signed in with
  const isCurrent = (key: AccessKey): boolean => api.token.startsWith(key.prefix)

  const total = list.data?.total ?? 0
  return (
    <>
      <div className='page-head'>
        <h1>Access keys</h1>
        <button type='button' className='primary' onClick={() => { open({ kind: 'create' }) }}>New access key</button>
      </div>
      <p className='lead'>Applications call the gateway with <code>Authorization: Bearer &lt;key&gt;</code>. Each key carries its scopes, the models it may use, and optionally an expiry and limits (a credit budget, requests and tokens per minute, calls at once).</p>
      {notice !== '' && <StatusMessage>{notice}</StatusMessage>}
      <ErrorMessage>{list.error}</ErrorMessage>
      {list.loading && list.data === undefined && <p>Loading keys…</p>}
      <form className='inline-form' role='search' aria-label='Search access keys' onSubmit={applySearch}>
        <label htmlFor='key-search'>Search</label>
        <input id='key-search' placeholder='name, secret prefix or id' value={searchText} onChange={(e) => { setSearchText(e.target.value) }} />
        <button type='submit'>Search</button>
      </form>
      {list.data !== undefined && (list.data.items.length === 0
        ? query.search !== ''
          ? <EmptyState title='No matching keys'><p>No key's name, secret prefix or id matches “{query.search}”.</p></EmptyState>
          : <EmptyState title='No access keys yet'><p>Create one to let an application call the gateway.</p></EmptyState>
        : <KeyTable keys={list.data.items} isCurrent={isCurrent} onAction={(kind, key) => { open({ kind, key }) }} />)}
      {total > PAGE_SIZE && (
        <nav className='pager' aria-label='Access key pages'>
          <button type='button' disabled={offset === 0} onClick={() => { setOffset(Math.max(0, offset - PAGE_SIZE)) }}>Previous</button>
          <span>{offset + 1}–{Math.min(offset + PAGE_SIZE, total)} of {total}</span>
          <button type='button' disabled={offset + PAGE_SIZE >= total} onClick={() => { setOffset(offset + PAGE_SIZE) }}>Next</button>
        </nav>
      )}

      {dialog?.kind === 'create' && <KeyForm onSubmit={create} onCancel={close} />}
      {dialog?.kind === 'edit' && <KeyForm existing={dialog.key} onSubmit={update(dialog.key)} onCancel={close} />}
      {dialog?.kind === 'revoke' && (
        <ConfirmDialog
          title={`Revoke “${dialog.key.name}”?`} confirmLabel='Revoke key' danger busy={confirmed.busy}
          onConfirm={() => { void confirmed.run(async () => { await revoke(dialog.key) }) }} onCancel={close}
        >
          <p>Every application using this key gets 401 from its next request. This cannot be undone.</p>
          {isCurrent(dialog.key) && <p className='warning'>You are signed in with this key: revoking it signs you out.</p>}
          <ErrorMessage>{confirmed.error}</ErrorMessage>
        </ConfirmDialog>
      )}
      {dialog?.kind === 'rotate' && (
        <ConfirmDialog
          title={`Rotate “${dialog.key.name}”?`} confirmLabel='Rotate key' busy={confirmed.busy}
          onConfirm={() => { void confirmed.run(async () => { await rotate(dialog.key) }) }} onCancel={close}
        >
          <p>The key gets a new secret; its name, scopes and models stay the same.</p>
          <label htmlFor='rotate-grace'>Old secret</label>
          <select id='rotate-grace' value={grace} onChange={(e) => { setGrace(Number(e.target.value)) }}>
            {GRACE_CHOICES.map((c) => <option key={c.seconds} value={c.seconds}>{c.label}</option>)}
          </select>
          <ErrorMessage>{confirmed.error}</ErrorMessage>
        </ConfirmDialog>
      )}
      {dialog?.kind === 'secret' && (
        <SecretReveal title={dialog.title} keyName={dialog.issued.name} secret={dialog.issued.key} onDone={close} />
      )}
    </>
  )
}
