import { useId, useState, type FormEvent } from 'react'
import { ErrorMessage } from '../../components/Feedback'
import { Modal } from '../../components/Modal'
import { fromLocalInput, splitList, toLocalInput } from '../../lib/format'
import { messageOf } from '../../lib/http'
import { SCOPES, type AccessKey, type KeyLimits } from '../../lib/types'
import { limitInputs, parseLimits, type LimitInputs } from './limits'
import { LimitsFieldset } from './LimitsFieldset'

export interface KeyFields extends KeyLimits {
  name: string
  scopes: string[]
  models: string[]
  expiresAt: string | null
}

const SCOPE_HELP: Record<string, string> = {
  chat: 'chat completions',
  embeddings: 'embeddings',
  images: 'image generation',
  admin: 'this admin API: keys, audit, settings'
}

const NEW_KEY: KeyFields = {
  name: '', scopes: ['chat', 'embeddings', 'images'], models: ['*'], expiresAt: null, creditLimit: null, creditPeriod: 'month', perAppCreditLimit: null, rpm: null, tpm: null, maxConcurrent: null
}

/** Create or edit form for an access key (name, scopes, allowed models, expiry, limits) in a dialog. */
export function KeyForm ({ existing, onSubmit, onCancel }: {
  existing?: AccessKey
  onSubmit: (fields: KeyFields) => Promise<void>
  onCancel: () => void
}) {
  const initial = existing ?? NEW_KEY
  const id = useId()
  const [name, setName] = useState(initial.name)
  const [scopes, setScopes] = useState<string[]>(initial.scopes)
  const [models, setModels] = useState(initial.models.join('\n'))
  const [expires, setExpires] = useState(toLocalInput(initial.expiresAt))
  const [limits, setLimits] = useState<LimitInputs>(limitInputs(initial))
  const [error, setError] = useState<string>()
  const [busy, setBusy] = useState(false)

  const toggle = (scope: string, on: boolean): void => {
    setScopes((current) => on ? [...current, scope] : current.filter((s) => s !== scope))
  }

  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault()
    const patterns = splitList(models)
    if (scopes.length === 0) return setError('Choose at least one scope.')
    if (patterns.length === 0) return setError('List at least one model pattern, or * for every model.')
    // an untouched expiry is sent back as it was (the input has only minute precision)
    const expiryChanged = expires !== toLocalInput(initial.expiresAt)
    const expiresAt = expiryChanged ? fromLocalInput(expires) : initial.expiresAt
    if (expiryChanged && expiresAt !== null && Date.parse(expiresAt) <= Date.now()) return setError('The expiry must be in the future.')
    const parsedLimits = parseLimits(limits)
    if (typeof parsedLimits === 'string') return setError(parsedLimits)
    setBusy(true)
    setError(undefined)
    try {
      await onSubmit({ name: name.trim(), scopes: SCOPES.filter((s) => scopes.includes(s)), models: patterns, expiresAt, ...parsedLimits })
    } catch (err) {
      setError(messageOf(err))
      setBusy(false)
    }
  }

  return (
    <Modal title={existing === undefined ? 'New access key' : `Edit access key “${existing.name}”`} onClose={onCancel}>
      <form onSubmit={(e) => { void submit(e) }}>
        <label htmlFor={`${id}-name`}>Name</label>
        <input id={`${id}-name`} required maxLength={200} value={name} onChange={(e) => { setName(e.target.value) }} autoComplete='off' />

        <fieldset>
          <legend>Scopes</legend>
          {SCOPES.map((scope) => (
            <label key={scope} className='check'>
              <input type='checkbox' checked={scopes.includes(scope)} onChange={(e) => { toggle(scope, e.target.checked) }} />
              {scope} <span className='hint'>({SCOPE_HELP[scope]})</span>
            </label>
          ))}
        </fieldset>

        <label htmlFor={`${id}-models`}>Allowed models</label>
        <textarea
          id={`${id}-models`} rows={3} value={models} aria-describedby={`${id}-models-help`}
          onChange={(e) => { setModels(e.target.value) }}
        />
        <p id={`${id}-models-help`} className='hint'>
          One pattern per line or comma-separated: <code>*</code> for every model, <code>openai/*</code> for a provider,
          or an exact <code>openai/gpt-4o-mini</code>.
        </p>

        <label htmlFor={`${id}-expires`}>Expires (optional)</label>
        <input
          id={`${id}-expires`} type='datetime-local' value={expires} aria-describedby={`${id}-expires-help`}
          onChange={(e) => { setExpires(e.target.value) }}
        />
        <p id={`${id}-expires-help`} className='hint'>Your local time. Leave empty for a key that does not expire.</p>

        <LimitsFieldset id={id} limits={limits} onChange={setLimits} />

        <ErrorMessage>{error}</ErrorMessage>
        <div className='actions'>
          <button type='submit' className='primary' disabled={busy}>{existing === undefined ? 'Create key' : 'Save changes'}</button>
          <button type='button' onClick={onCancel}>Cancel</button>
        </div>
      </form>
    </Modal>
  )
}
