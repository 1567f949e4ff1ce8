import { useId, useState, type FormEvent } from 'react'
import { FormFooter } from '../../components/FormFooter'
import { Modal } from '../../components/Modal'
import { splitList } from '../../lib/format'
import { PROVIDER_KINDS, type Provider } from '../../lib/types'
import { useAction } from '../../lib/use-action'

export interface ProviderFields {
  id: string
  kind: Provider['kind']
  displayName?: string
  baseUrl: string
  enabled: boolean
  models?: string[]
}

/** Form to add a store provider (its credentials are added afterwards) in a dialog. */
export function ProviderForm ({ onSubmit, onCancel }: { onSubmit: (fields: ProviderFields) => Promise<void>, onCancel: () => void }) {
  const id = useId()
  const [providerId, setProviderId] = useState('')
  const [kind, setKind] = useState<Provider['kind']>('openai-compatible')
  const [displayName, setDisplayName] = useState('')
  const [baseUrl, setBaseUrl] = useState('')
  const [models, setModels] = useState('')
  const [enabled, setEnabled] = useState(true)
  const action = useAction()

  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault()
    const fields: ProviderFields = { id: providerId.trim(), kind, baseUrl: baseUrl.trim(), enabled }
    if (displayName.trim() !== '') fields.displayName = displayName.trim()
    const list = splitList(models)
    if (list.length > 0) fields.models = list
    await action.run(async () => { await onSubmit(fields) })
  }

  return (
    <Modal title='Add provider' onClose={onCancel}>
      <form onSubmit={(e) => { void submit(e) }}>
        <label htmlFor={`${id}-id`}>Provider id</label>
        <input
          id={`${id}-id`} required maxLength={63} pattern='[a-z0-9][a-z0-9_\-]*' value={providerId} autoComplete='off'
          aria-describedby={`${id}-id-help`} onChange={(e) => { setProviderId(e.target.value) }}
        />
        <p id={`${id}-id-help`} className='hint'>The prefix clients use: the <code>acme</code> in <code>acme/model-name</code>. Lower case, digits, - and _.</p>

        <label htmlFor={`${id}-kind`}>Wire format</label>
        <select id={`${id}-kind`} value={kind} onChange={(e) => { setKind(e.target.value as Provider['kind']) }}>
          {PROVIDER_KINDS.map((k) => <option key={k} value={k}>{k}</option>)}
        </select>

        <label htmlFor={`${id}-name`}>Display name (optional)</label>
        <input id={`${id}-name`} maxLength={100} value={displayName} autoComplete='off' onChange={(e) => { setDisplayName(e.target.value) }} />

        <label htmlFor={`${id}-url`}>Base URL</label>
        <input
          id={`${id}-url`} type='url' required maxLength={500} value={baseUrl} placeholder='https://api.example.com/v1'
          aria-describedby={`${id}-url-help`} onChange={(e) => { setBaseUrl(e.target.value) }}
        />
        <p id={`${id}-url-help`} className='hint'>The API root; OpenAI-compatible ones include the version path.</p>

        <label htmlFor={`${id}-models`}>Models offered (optional)</label>
        <textarea
          id={`${id}-models`} rows={2} value={models} aria-describedby={`${id}-models-help`}
          onChange={(e) => { setModels(e.target.value) }}
        />
        <p id={`${id}-models-help`} className='hint'>Model names without the provider prefix, one per line or comma-separated; <code>*</code> admits any name.</p>

        <label className='check'>
          <input type='checkbox' checked={enabled} onChange={(e) => { setEnabled(e.target.checked) }} />
          Enabled
        </label>

        <FormFooter error={action.error} busy={action.busy} submitLabel='Add provider' onCancel={onCancel} />
      </form>
    </Modal>
  )
}
