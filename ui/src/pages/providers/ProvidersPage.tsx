import { useState } from 'react'
import { EmptyState, ErrorMessage, StatusMessage } from '../../components/Feedback'
import { ConfirmDialog } from '../../components/Modal'
import { useAdminApi } from '../../lib/auth'
import type { ConnectionTest, Provider, ProviderCredential } from '../../lib/types'
import { useAction } from '../../lib/use-action'
import { useLoad } from '../../lib/use-load'
import { CredentialsDialog, credentialsPath } from './CredentialsDialog'
import { ProviderForm, type ProviderFields } from './ProviderForm'
import { ProviderTable, type ProviderAction } from './ProviderTable'

type Dialog = { kind: 'add' } | { kind: 'edit' | 'credentials' | 'delete', provider: Provider }
interface Providers { items: Provider[], credentials: Record<string, ProviderCredential[]>, priceLists: string[] }
type TestOutcome = ConnectionTest & { providerId: string }

const providerPath = (id: string): string => `/api/admin/providers/${encodeURIComponent(id)}`

/** Upstream providers: environment ones read-only, store ones added here with their credentials. */
export function ProvidersPage () {
  const api = useAdminApi()
  const list = useLoad(async (): Promise<Providers> => {
    const { items } = await api.request<{ items: Provider[] }>('GET', '/api/admin/providers')
    // the credentials' health belongs in the overview; environment providers have none stored
    const stored = items.filter((p) => p.source === 'store')
    const [lists, priceLists] = await Promise.all([
      Promise.all(stored.map(async (p) => (await api.request<{ items: ProviderCredential[] }>('GET', credentialsPath(p.id))).items)),
      api.request<{ items: string[] }>('GET', '/api/admin/price-list')
    ])
    return { items, credentials: Object.fromEntries(stored.map((p, i) => [p.id, lists[i] ?? []])), priceLists: priceLists.items }
  }, 'providers')
  const [dialog, setDialog] = useState<Dialog | null>(null)
  const [notice, setNotice] = useState('')
  const [tested, setTested] = useState<TestOutcome>()
  const remove = useAction()
  // row actions that need no dialog (test, enable/disable): their failure shows above the table
  const row = useAction()

  const done = (message: string): void => {
    setNotice(message)
    setDialog(null)
    list.reload()
  }
  const add = async (fields: ProviderFields): Promise<void> => {
    const created = await api.request<Provider>('POST', '/api/admin/providers', fields)
    setNotice(`Added provider “${created.id}”. Add its API key next.`)
    list.reload()
    setDialog({ kind: 'credentials', provider: created })
  }
  const update = (provider: Provider) => async (fields: ProviderFields): Promise<void> => {
    await api.request<Provider>('PATCH', providerPath(provider.id), fields)
    done(`Saved provider “${provider.id}”.`)
  }
  const onAction = (action: ProviderAction, provider: Provider): void => {
    if (action === 'test') {
      setTested(undefined)
      void row.run(async () => {
        const result = await api.request<ConnectionTest>('POST', `${providerPath(provider.id)}/test`)
        setTested({ ...result, providerId: provider.id })
      })
    } else if (action === 'toggle') {
      const verb = provider.enabled ? 'disable' : 'enable'
      void row.run(async () => {
        await api.request<Provider>('POST', `${providerPath(provider.id)}/${verb}`)
        done(`${provider.enabled ? 'Disabled' : 'Enabled'} provider “${provider.id}”.`)
      })
    } else {
      remove.setError(undefined)
      setDialog({ kind: action, provider })
    }
  }
  const close = (): void => { setDialog(null) }

  return (
    <>
      <div className='page-head'>
        <h1>Providers</h1>
        <button type='button' className='primary' onClick={() => { setDialog({ kind: 'add' }) }}>Add provider</button>
      </div>
      <p className='lead'>Upstream AI providers and their credentials. Providers set in the environment are shown read-only.</p>
      {notice !== '' && <StatusMessage>{notice}</StatusMessage>}
      <ErrorMessage>{list.error ?? row.error}</ErrorMessage>
      {tested !== undefined && (
        <p role={tested.ok ? 'status' : 'alert'} className={tested.ok ? 'test-result ok' : 'test-result warning'}>
          Connection test of {tested.providerId}: {tested.ok ? 'OK' : 'failed'}. {tested.message}
          {' '}({tested.status === null ? 'no answer' : `HTTP ${tested.status}`}, {tested.latencyMs} ms)
        </p>
      )}
      {list.loading && list.data === undefined && <p>Loading providers…</p>}
      {list.data !== undefined && (list.data.items.length === 0
        ? <EmptyState title='No providers configured'><p>Add one here, or set a provider's key in the environment.</p></EmptyState>
        : <ProviderTable providers={list.data.items} credentials={list.data.credentials} onAction={onAction} />)}

      {dialog?.kind === 'add' && <ProviderForm priceLists={list.data?.priceLists ?? []} onSubmit={add} onCancel={close} />}
      {dialog?.kind === 'edit' && <ProviderForm existing={dialog.provider} priceLists={list.data?.priceLists ?? []} onSubmit={update(dialog.provider)} onCancel={close} />}
      {dialog?.kind === 'credentials' && <CredentialsDialog provider={dialog.provider} onChanged={list.reload} onClose={close} />}
      {dialog?.kind === 'delete' && (
        <ConfirmDialog
          title={`Delete provider “${dialog.provider.id}”?`} confirmLabel='Delete provider' danger busy={remove.busy}
          onConfirm={() => {
            void remove.run(async () => {
              await api.request<undefined>('DELETE', providerPath(dialog.provider.id))
              done(`Deleted provider “${dialog.provider.id}”.`)
            })
          }}
          onCancel={close}
        >
          <p>Its credentials are deleted with it, and calls to its models fail from now on.</p>
          <ErrorMessage>{remove.error}</ErrorMessage>
        </ConfirmDialog>
      )}
    </>
  )
}
