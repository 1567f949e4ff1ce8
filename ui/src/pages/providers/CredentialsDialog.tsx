import { useId, useState, type FormEvent } from 'react'
import { EmptyState, ErrorMessage, StatusMessage } from '../../components/Feedback'
import { FormFooter } from '../../components/FormFooter'
import { Modal } from '../../components/Modal'
import { useAdminApi } from '../../lib/auth'
import { formatDate } from '../../lib/format'
import type { Provider, ProviderCredential } from '../../lib/types'
import { useAction } from '../../lib/use-action'
import { useLoad } from '../../lib/use-load'

export const credentialsPath = (providerId: string): string => `/api/admin/providers/${encodeURIComponent(providerId)}/credentials`

export function healthText (health: ProviderCredential['health']): string {
  if (health.state === 'cooling_down') return `cooling down${health.until !== undefined ? ` until ${formatDate(health.until)}` : ''}`
  if (health.state === 'disabled') return `disabled${health.reason !== undefined ? `: ${health.reason}` : ''}`
  return 'ok'
}

/** A store provider's credentials (masked, with weight and health) and a form to add one; the secret is never shown back. */
export function CredentialsDialog ({ provider, onChanged, onClose }: { provider: Provider, onChanged: () => void, onClose: () => void }) {
  const api = useAdminApi()
  const id = useId()
  const list = useLoad(async () => (await api.request<{ items: ProviderCredential[] }>('GET', credentialsPath(provider.id))).items, provider.id)
  const [label, setLabel] = useState('')
  const [secret, setSecret] = useState('')
  const [weight, setWeight] = useState('1')
  const [notice, setNotice] = useState('')
  const action = useAction()

  const add = async (event: FormEvent): Promise<void> => {
    event.preventDefault()
    await action.run(async () => {
      const body = { secret, weight: Number(weight), ...(label.trim() !== '' ? { label: label.trim() } : {}) }
      const created = await api.request<ProviderCredential>('POST', credentialsPath(provider.id), body)
      // the secret leaves the page's state as soon as the gateway has it
      setSecret('')
      setLabel('')
      setNotice(`Added credential “${created.label}” (${created.secretHint}).`)
      list.reload()
      onChanged()
    })
  }

  return (
    <Modal title={`Credentials of ${provider.displayName}`} onClose={onClose}>
      <ErrorMessage>{list.error}</ErrorMessage>
      {list.data !== undefined && (list.data.length === 0
        ? <EmptyState title='No credentials yet'><p>Add the provider's API key so the gateway can call it.</p></EmptyState>
        : (
          <div className='table-wrap'>
            <table>
              <caption className='visually-hidden'>Credentials of {provider.displayName}</caption>
              <thead><tr><th scope='col'>Label</th><th scope='col'>Secret</th><th scope='col'>Weight</th><th scope='col'>Health</th></tr></thead>
              <tbody>
                {list.data.map((c) => (
                  <tr key={c.id}>
                    <th scope='row'>{c.label}</th>
                    <td><code>{c.secretHint}</code></td>
                    <td className='number'>{c.weight}</td>
                    <td><span className={`badge health-${c.health.state}`}>{healthText(c.health)}</span></td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          ))}
      {notice !== '' && <StatusMessage>{notice}</StatusMessage>}

      <form onSubmit={(e) => { void add(e) }}>
        <h3>Add a credential</h3>
        <label htmlFor={`${id}-label`}>Label (optional)</label>
        <input id={`${id}-label`} maxLength={100} value={label} autoComplete='off' onChange={(e) => { setLabel(e.target.value) }} />
        <label htmlFor={`${id}-secret`}>API key</label>
        <input
          id={`${id}-secret`} type='password' required maxLength={4096} value={secret} autoComplete='off'
          aria-describedby={`${id}-secret-help`} onChange={(e) => { setSecret(e.target.value) }}
        />
        <p id={`${id}-secret-help`} className='hint'>Stored encrypted; only a masked hint is ever shown again.</p>
        <label htmlFor={`${id}-weight`}>Weight</label>
        <input
          id={`${id}-weight`} type='number' min={1} max={1000} step={1} required value={weight}
          aria-describedby={`${id}-weight-help`} onChange={(e) => { setWeight(e.target.value) }}
        />
        <p id={`${id}-weight-help`} className='hint'>Share of the calls relative to the provider's other credentials.</p>
        <FormFooter error={action.error} busy={action.busy} submitLabel='Add credential' onCancel={onClose} cancelLabel='Close' />
      </form>
    </Modal>
  )
}
