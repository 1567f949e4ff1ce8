import { useId, useState, type FormEvent } from 'react'
import { ErrorMessage } from '../../components/Feedback'
import { Modal } from '../../components/Modal'
import { fromLocalInput, splitList, toLocalInput } from '../../lib/format'
import { messageOf } from '../../lib/http'
import { CREDIT_PERIODS, SCOPES, type AccessKey, type CreditPeriod, type KeyLimits } from '../../lib/types'
import { PERIOD_LABELS, limitInputs, parseLimits, type LimitInputs } from './limits'

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
  const setLimit = (field: keyof LimitInputs) => (value: string): void => { setLimits((current) => ({ ...current, [field]: value })) }
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

        <fieldset>
          <legend>Limits (optional)</legend>
          <p className='hint'>Leave a field empty for no limit.</p>
          <label htmlFor={`${id}-credits`}>Credit limit</label>
          <div className='inline-fields'>
            <input
              id={`${id}-credits`} inputMode='decimal' autoComplete='off' value={limits.creditLimit} aria-describedby={`${id}-credits-help`}
              onChange={(e) => { setLimit('creditLimit')(e.target.value) }}
            />
            <select aria-label='Credit limit period' value={limits.creditPeriod} onChange={(e) => { setLimit('creditPeriod')(e.target.value as CreditPeriod) }}>
              {CREDIT_PERIODS.map((period) => <option key={period} value={period}>{PERIOD_LABELS[period]}</option>)}
            </select>
          </div>
          <p id={`${id}-credits-help`} className='hint'>Credits are the catalog's rates × tokens; past the limit calls get 402.</p>
          <label htmlFor={`${id}-app-credits`}>Credit limit per app</label>
          <input
            id={`${id}-app-credits`} inputMode='decimal' autoComplete='off' value={limits.perAppCreditLimit} aria-describedby={`${id}-app-credits-help`}
            onChange={(e) => { setLimit('perAppCreditLimit')(e.target.value) }}
          />
          <p id={`${id}-app-credits-help`} className='hint'>
            Credits each calling app (its x-aigne-hub-client-did; calls without one count as one app) may spend in the same period.
          </p>
          <label htmlFor={`${id}-rpm`}>Requests per minute</label>
          <input id={`${id}-rpm`} inputMode='numeric' autoComplete='off' value={limits.rpm} onChange={(e) => { setLimit('rpm')(e.target.value) }} />
          <label htmlFor={`${id}-tpm`}>Tokens per minute</label>
          <input id={`${id}-tpm`} inputMode='numeric' autoComplete='off' value={limits.tpm} onChange={(e) => { setLimit('tpm')(e.target.value) }} />
          <label htmlFor={`${id}-concurrent`}>Calls at once</label>
          <input
            id={`${id}-concurrent`} inputMode='numeric' autoComplete='off' value={limits.maxConcurrent} aria-describedby={`${id}-concurrent-help`}
            onChange={(e) => { setLimit('maxConcurrent')(e.target.value) }}
          />
          <p id={`${id}-concurrent-help`} className='hint'>Model calls in progress at once, a stream until it ends; past it calls get 429.</p>
        </fieldset>

        <ErrorMessage>{error}</ErrorMessage>
        <div className='actions'>
          <button type='submit' className='primary' disabled={busy}>{existing === undefined ? 'Create key' : 'Save changes'}</button>
          <button type='button' onClick={onCancel}>Cancel</button>
        </div>
      </form>
    </Modal>
  )
}
