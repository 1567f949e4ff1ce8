import { useState } from 'react'
import { EmptyState, ErrorMessage, StatusMessage } from '../../components/Feedback'
import { ConfirmDialog } from '../../components/Modal'
import { useAdminApi } from '../../lib/auth'
import type { CatalogModel } from '../../lib/types'
import { useAction } from '../../lib/use-action'
import { useLoad } from '../../lib/use-load'
import { ModelForm, type ModelFields } from './ModelForm'
import { ModelTable, type ModelAction } from './ModelTable'
import { isUnpriced } from './rates'

type Dialog = { kind: 'add' } | { kind: ModelAction, model: CatalogModel }

// ids contain "/" (the route takes the rest of the path), so only each segment is escaped
const modelPath = (id: string): string => `/api/admin/models/${id.split('/').map(encodeURIComponent).join('/')}`

/** The model catalog: which models the gateway offers, their rates, fallbacks and whether they are on. */
export function ModelsPage () {
  const api = useAdminApi()
  const list = useLoad(async () => (await api.request<{ items: CatalogModel[] }>('GET', '/api/admin/models')).items, 'models')
  const [dialog, setDialog] = useState<Dialog | null>(null)
  const [notice, setNotice] = useState('')
  const remove = useAction()

  const done = (message: string): void => {
    setNotice(message)
    setDialog(null)
    list.reload()
  }
  const add = async (fields: ModelFields): Promise<void> => {
    const created = await api.request<CatalogModel>('POST', '/api/admin/models', fields)
    done(`Added model “${created.id}”.`)
  }
  const update = (model: CatalogModel) => async (fields: ModelFields): Promise<void> => {
    await api.request<CatalogModel>('PATCH', modelPath(model.id), fields)
    done(`Saved model “${model.id}”.`)
  }
  const open = (next: Dialog): void => {
    remove.setError(undefined)
    setDialog(next)
  }
  const close = (): void => { setDialog(null) }

  const unpriced = list.data?.filter(isUnpriced) ?? []
  return (
    <>
      <div className='page-head'>
        <h1>Models &amp; rates</h1>
        <button type='button' className='primary' onClick={() => { open({ kind: 'add' }) }}>Add model</button>
      </div>
      <p className='lead'>The models the gateway offers, what each costs in credits per million tokens, and where a failed call falls back to.</p>
      {notice !== '' && <StatusMessage>{notice}</StatusMessage>}
      <ErrorMessage>{list.error}</ErrorMessage>
      {unpriced.length > 0 && (
        <p className='warning'>
          {unpriced.length === 1 ? '1 model has' : `${unpriced.length} models have`} no price ({unpriced.map((m) => m.id).join(', ')}):
          metering records their usage at zero credits, or refuses the calls, as the gateway's unpriced-model policy says.
        </p>
      )}
      {list.loading && list.data === undefined && <p>Loading models…</p>}
      {list.data !== undefined && (list.data.length === 0
        ? <EmptyState title='No models in the catalog yet'><p>Add one to set its rates and fallbacks.</p></EmptyState>
        : <ModelTable models={list.data} onAction={(kind, model) => { open({ kind, model }) }} />)}

      {dialog?.kind === 'add' && <ModelForm onSubmit={add} onCancel={close} />}
      {dialog?.kind === 'edit' && <ModelForm existing={dialog.model} onSubmit={update(dialog.model)} onCancel={close} />}
      {dialog?.kind === 'delete' && (
        <ConfirmDialog
          title={`Delete “${dialog.model.id}”?`} confirmLabel='Delete model' danger busy={remove.busy}
          onConfirm={() => {
            void remove.run(async () => {
              await api.request<undefined>('DELETE', modelPath(dialog.model.id))
              done(`Deleted model “${dialog.model.id}”.`)
            })
          }}
          onCancel={close}
        >
          <p>Its rates, fallbacks and upstream name are forgotten: if its provider still serves it, calls to it count as an unpriced model.</p>
          <ErrorMessage>{remove.error}</ErrorMessage>
        </ConfirmDialog>
      )}
    </>
  )
}
