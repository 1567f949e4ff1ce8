import { CREDIT_PERIODS, type CreditPeriod } from '../../lib/types'
import { PERIOD_LABELS, type LimitInputs } from './limits'

/** The optional limits of a key (credits per period, rpm, tpm, calls at once), as typed text; `id` prefixes the inputs' ids. */
export function LimitsFieldset ({ id, limits, onChange }: { id: string, limits: LimitInputs, onChange: (limits: LimitInputs) => void }) {
  const setLimit = (field: keyof LimitInputs) => (value: string): void => { onChange({ ...limits, [field]: value }) }
  return (
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
  )
}
