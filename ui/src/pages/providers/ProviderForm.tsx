import { useId, useState, type FormEvent } from 'react'
import { FormFooter } from '../../components/FormFooter'
import { Modal } from '../../components/Modal'
import { splitList } from '../../lib/format'
import { PROVIDER_KINDS, type Provider } from '../../lib/types'
import { useAction } from '../../lib/use-action'

/** What the form sends: the create body (with `id` and `kind`) or, without them, the update body. */
export interface ProviderFields {
  id?: string
  kind?: Provider['kind']
  displayName?: string
  baseUrl: string
  enabled: boolean
  models?: string[]
  priceProvider?: string | null
}

/** The select's value for "no built-in prices" (the API's null). */
const NO_PRICES = ''


/** Add or edit form for a store provider (its credentials are managed in their own dialog). */
export function ProviderForm ({ existing, priceLists, onSubmit, onCancel }: {
  existing?: Provider
  /** The built-in price list's provider ids (GET /api/admin/price-list). */
  priceLists: readonly string[]
  onSubmit: (fields: ProviderFields) => Promise<void>
  onCancel: () => void
}) {
  const id = useId()
  const [providerId, setProviderId] = useState('')
  const [kind, setKind] = useState<Provider['kind']>('openai-compatible')
  // a display name equal to the id is the default the gateway fills in: shown empty, as it was entered
  const [displayName, setDisplayName] = useState(existing !== undefined && existing.displayName !== existing.id ? existing.displayName : '')
  const [baseUrl, setBaseUrl] = useState(existing?.baseUrl ?? '')
  const [models, setModels] = useState(existing?.models.join('\n') ?? '')
  const [enabled, setEnabled] = useState(existing?.enabled ?? true)
  const [priceProvider, setPriceProvider] = useState(existing === undefined ? 'auto' : existing.priceProvider ?? NO_PRICES)
  const action = useAction()

  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault()
    const fields: ProviderFields = { baseUrl: baseUrl.trim(), enabled, priceProvider: priceProvider === NO_PRICES ? null : priceProvider }
    if (existing === undefined) {
      fields.id = providerId.trim()
      fields.kind = kind
    }
    const name = displayName.trim()
    if (name !== '') fields.displayName = name
    else if (existing !== undefined) fields.displayName = existing.id // cleared: back to the default, the id
    const list = splitList(models)
    // empty admits any model name, as when the provider was added
    if (list.length > 0 || existing !== undefined) fields.models = list.length > 0 ? list : ['*']
    await action.run(async () => { await onSubmit(fields) })
  }

  return (
    <Modal title={existing === undefined ? 'Add provider' : `Edit provider “${existing.id}”`} onClose={onCancel}>
      <form onSubmit={(e) => { void submit(e) }}>
        {existing === undefined
          ? (
            <>
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
            </>
            )
          : <p className='hint'>Id <code>{existing.id}</code> and wire format <code>{existing.kind}</code> are fixed: clients and credentials depend on them.</p>}

        <label htmlFor={`${id}-name`}>Display name (optional)</label>
        <input id={`${id}-name`} maxLength={100} value={displayName} autoComplete='off' onChange={(e) => { setDisplayName(e.target.value) }} />

        <label htmlFor={`${id}-url`}>Base URL</label>
        <input
          id={`${id}-url`} type='url' required maxLength={500} value={baseUrl} placeholder='https://api.example.com/v1'
          aria-describedby={`${id}-url-help`} onChange={(e) => { setBaseUrl(e.target.value) }}
        />
        <p id={`${id}-url-help`} className='hint'>
          The API root; OpenAI-compatible ones include the version path. Its host must be a public address unless the operator
          lists it in <code>PROVIDER_ALLOWED_HOSTS</code>{existing !== undefined && existing.credentials > 0 ? '; another host or port deletes the stored credentials' : ''}.
        </p>

        <label htmlFor={`${id}-models`}>Models offered (optional)</label>
        <textarea
          id={`${id}-models`} rows={2} value={models} aria-describedby={`${id}-models-help`}
          onChange={(e) => { setModels(e.target.value) }}
        />
        <p id={`${id}-models-help`} className='hint'>Model names without the provider prefix, one per line or comma-separated; <code>*</code> admits any name.</p>

        <label htmlFor={`${id}-prices`}>Built-in prices</label>
        <select id={`${id}-prices`} value={priceProvider} aria-describedby={`${id}-prices-help`} onChange={(e) => { setPriceProvider(e.target.value) }}>
          <option value='auto'>Automatic (by base URL)</option>
          <option value={NO_PRICES}>None (catalog rates only)</option>
          {priceLists.map((p) => <option key={p} value={p}>{p}</option>)}
        </select>
        <p id={`${id}-prices-help`} className='hint'>
          Which provider of the built-in price list prices models the catalog does not
          {existing?.builtinPrices != null ? <> (now: <code>{existing.builtinPrices}</code>)</> : ''}.
          Automatic matches an https base URL against the list's API addresses.
        </p>

        <label className='check'>
          <input type='checkbox' checked={enabled} onChange={(e) => { setEnabled(e.target.checked) }} />
          Enabled
        </label>

        <FormFooter error={action.error} busy={action.busy} submitLabel={existing === undefined ? 'Add provider' : 'Save changes'} onCancel={onCancel} />
      </form>
    </Modal>
  )
}
