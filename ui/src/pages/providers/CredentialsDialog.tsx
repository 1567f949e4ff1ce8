import { useId, useState, type FormEvent } from 'react'
import { EmptyState, ErrorMessage, StatusMessage } from '../../components/Feedback'
import { FormFooter } from '../../components/FormFooter'
import { Modal } from '../../components/Modal'
import { useAdminApi } from '../../lib/auth'
import { formatDate } from '../../lib/format'
import type { Provider, ProviderCredential } from '../../lib/types'
import { useAction } from '../../lib/use-action'
import { useLoad } from '../../lib/use-load'
import { AwsCredentialFields, EMPTY_AWS_CREDENTIAL, awsSecret, type AwsCredential } from './AwsCredentialFields'

export const credentialsPath = (providerId: string): string => `/api/admin/providers/${encodeURIComponent(providerId)}/credentials`

export function healthText (health: ProviderCredential['health']): string {
  if (health.state === 'cooling_down') return `cooling down${health.until !== undefined ? ` until ${formatDate(health.until)}` : ''}`
  if (health.state === 'disabled') return `disabled${health.reason !== undefined ? `: ${health.reason}` : ''}`
  return 'ok'
}

/**
 * A store provider's credentials (masked, with weight and health): add one, change a label, weight or key, put a
 * disabled or cooling one back in rotation (or take one out), delete one. The secret is never shown back.
 */
export function CredentialsDialog ({ provider, onChanged, onClose }: { provider: Provider, onChanged: () => void, onClose: () => void }) {
  const api = useAdminApi()
  const id = useId()
  const list = useLoad(async () => (await api.request<{ items: ProviderCredential[] }>('GET', credentialsPath(provider.id))).items, provider.id)
  const [editing, setEditing] = useState<ProviderCredential>()
  const [label, setLabel] = useState('')
  const [secret, setSecret] = useState('')
  // Bedrock's credential is an AWS key pair (sent as JSON text in `secret`)
  const aws = provider.kind === 'bedrock'
  const [awsCredential, setAwsCredential] = useState<AwsCredential>(EMPTY_AWS_CREDENTIAL)
  const [weight, setWeight] = useState('1')
  const [confirming, setConfirming] = useState<string>()
  const [notice, setNotice] = useState('')
  const action = useAction()
  // row buttons (enable, disable, delete): their failure shows above the table
  const row = useAction()

  const changed = (message: string): void => {
    setNotice(message)
    list.reload()
    onChanged()
  }
  const startEditing = (credential?: ProviderCredential): void => {
    action.setError(undefined)
    setEditing(credential)
    setLabel(credential?.label ?? '')
    setWeight(String(credential?.weight ?? 1))
    setSecret('')
    setAwsCredential(EMPTY_AWS_CREDENTIAL)
  }
  const save = async (event: FormEvent): Promise<void> => {
    event.preventDefault()
    await action.run(async () => {
      const body: Record<string, unknown> = { weight: Number(weight) }
      if (label.trim() !== '') body.label = label.trim()
      const typed = aws ? awsSecret(awsCredential) : secret
      if (typed !== '') body.secret = typed
      const saved = editing === undefined
        ? await api.request<ProviderCredential>('POST', credentialsPath(provider.id), body)
        : await api.request<ProviderCredential>('PATCH', `${credentialsPath(provider.id)}/${encodeURIComponent(editing.id)}`, body)
      // the secret leaves the page's state as soon as the gateway has it
      startEditing(undefined)
      changed(editing === undefined ? `Added credential “${saved.label}” (${saved.secretHint}).` : `Saved credential “${saved.label}” (${saved.secretHint}).`)
    })
  }
  const setEnabled = (credential: ProviderCredential, enabled: boolean): void => {
    void row.run(async () => {
      await api.request<ProviderCredential>('PATCH', `${credentialsPath(provider.id)}/${encodeURIComponent(credential.id)}`, { enabled })
      changed(enabled ? `Credential “${credential.label}” is back in rotation.` : `Disabled credential “${credential.label}”.`)
    })
  }
  const remove = (credential: ProviderCredential): void => {
    void row.run(async () => {
      await api.request<undefined>('DELETE', `${credentialsPath(provider.id)}/${encodeURIComponent(credential.id)}`)
      setConfirming(undefined)
      if (editing?.id === credential.id) startEditing(undefined)
      changed(`Deleted credential “${credential.label}”.`)
    })
  }

  return (
    <Modal title={`Credentials of ${provider.displayName}`} onClose={onClose} wide>
      <ErrorMessage>{list.error ?? row.error}</ErrorMessage>
      {list.data !== undefined && (list.data.length === 0
        ? <EmptyState title='No credentials yet'><p>Add the provider's API key so the gateway can call it.</p></EmptyState>
        : (
          <div className='table-wrap'>
            <table>
              <caption className='visually-hidden'>Credentials of {provider.displayName}</caption>
              <thead>
                <tr>
                  <th scope='col'>Label</th><th scope='col'>Secret</th><th scope='col'>Weight</th><th scope='col'>Health</th>
                  <th scope='col'><span className='visually-hidden'>Actions</span></th>
                </tr>
              </thead>
              <tbody>
                {list.data.map((c) => (
                  <tr key={c.id}>
                    <th scope='row'>{c.label}</th>
                    <td className='nowrap'><code>{c.secretHint}</code></td>
                    <td className='number'>{c.weight}</td>
                    <td><span className={`badge health-${c.health.state}`}>{healthText(c.health)}</span></td>
                    <td className='row-actions'>
                      <button type='button' aria-label={`Edit credential ${c.label}`} onClick={() => { startEditing(c) }}>Edit</button>
                      {c.health.state === 'ok'
                        ? <button type='button' aria-label={`Disable credential ${c.label}`} disabled={row.busy} onClick={() => { setEnabled(c, false) }}>Disable</button>
                        : <button type='button' aria-label={`Re-enable credential ${c.label}`} disabled={row.busy} onClick={() => { setEnabled(c, true) }}>Re-enable</button>}
                      {confirming === c.id
                        ? <button type='button' className='danger' aria-label={`Confirm deleting credential ${c.label}`} disabled={row.busy} onClick={() => { remove(c) }}>Confirm delete</button>
                        : <button type='button' className='danger' aria-label={`Delete credential ${c.label}`} onClick={() => { setConfirming(c.id) }}>Delete</button>}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          ))}
      {notice !== '' && <StatusMessage>{notice}</StatusMessage>}

      <form onSubmit={(e) => { void save(e) }}>
        <h3>{editing === undefined ? 'Add a credential' : `Change credential “${editing.label}”`}</h3>
        <label htmlFor={`${id}-label`}>Label (optional)</label>
        <input id={`${id}-label`} maxLength={100} value={label} autoComplete='off' onChange={(e) => { setLabel(e.target.value) }} />
        {aws
          ? <AwsCredentialFields id={id} value={awsCredential} required={editing === undefined} onChange={setAwsCredential} />
          : (
            <>
              <label htmlFor={`${id}-secret`}>API key</label>
              <input
                id={`${id}-secret`} type='password' required={editing === undefined} maxLength={4096} value={secret} autoComplete='off'
                aria-describedby={`${id}-secret-help`} onChange={(e) => { setSecret(e.target.value) }}
              />
            </>
            )}
        <p id={`${id}-secret-help`} className='hint'>
          {editing === undefined ? 'Stored encrypted; only a masked hint is ever shown again.' : 'Leave empty to keep the stored key; a new one replaces it (stored encrypted).'}
        </p>
        <label htmlFor={`${id}-weight`}>Weight</label>
        <input
          id={`${id}-weight`} type='number' min={1} max={1000} step={1} required value={weight}
          aria-describedby={`${id}-weight-help`} onChange={(e) => { setWeight(e.target.value) }}
        />
        <p id={`${id}-weight-help`} className='hint'>Share of the calls relative to the provider's other credentials.</p>
        {editing === undefined
          ? <FormFooter error={action.error} busy={action.busy} submitLabel='Add credential' onCancel={onClose} cancelLabel='Close' />
          : <FormFooter error={action.error} busy={action.busy} submitLabel='Save credential' onCancel={() => { startEditing(undefined) }} cancelLabel='Cancel change' />}
      </form>
    </Modal>
  )
}
