import { Fragment, useId, useState, type FormEvent } from 'react'
import { FormFooter } from '../../components/FormFooter'
import { Modal } from '../../components/Modal'
import { splitList } from '../../lib/format'
import { MODEL_KINDS, type CatalogModel } from '../../lib/types'
import { useAction } from '../../lib/use-action'
import { DETAIL_RATES, imageRatesText, parseImageRates, parseRate, rateText } from './rates'

type DetailRate = typeof DETAIL_RATES[number][0]

/** What the form sends: the create body (with `id`) or, without `id`, the update body. */
export interface ModelFields extends Partial<Pick<CatalogModel, DetailRate>> {
  id?: string
  upstreamModel?: string
  kind: CatalogModel['kind']
  enabled: boolean
  inputRate: number | null
  outputRate: number | null
  imageRate: number | null
  imageRates: Record<string, number>
  requestRate: number | null
  fallbacks: string[]
}

const MODEL_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*\/[A-Za-z0-9._:/@-]+$/

/** Add or edit form for a catalog model (id, upstream name, kind, rates, fallbacks, enabled) in a dialog. */
export function ModelForm ({ existing, onSubmit, onCancel }: {
  existing?: CatalogModel
  onSubmit: (fields: ModelFields) => Promise<void>
  onCancel: () => void
}) {
  const id = useId()
  const [modelId, setModelId] = useState('')
  const [upstream, setUpstream] = useState(existing?.upstreamModel ?? '')
  const [kind, setKind] = useState<CatalogModel['kind']>(existing?.kind ?? 'chat')
  const [enabled, setEnabled] = useState(existing?.enabled ?? true)
  const [inputRate, setInputRate] = useState(rateText(existing?.inputRate))
  const [outputRate, setOutputRate] = useState(rateText(existing?.outputRate))
  const [imageRate, setImageRate] = useState(rateText(existing?.imageRate))
  const [imageRates, setImageRates] = useState(imageRatesText(existing?.imageRates))
  const [requestRate, setRequestRate] = useState(rateText(existing?.requestRate))
  const [details, setDetails] = useState(() => Object.fromEntries(DETAIL_RATES.map(([field]) => [field, rateText(existing?.[field])])) as Record<DetailRate, string>)
  const [fallbacks, setFallbacks] = useState(existing?.fallbacks.join('\n') ?? '')
  const action = useAction()
  const setError = action.setError

  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault()
    if (existing === undefined && !MODEL_ID.test(modelId.trim())) return setError('The model id is "provider/model", for example openai/gpt-4o.')
    const input = parseRate(inputRate, 'Input rate')
    const output = parseRate(outputRate, 'Output rate')
    const perImage = parseRate(imageRate, 'Per-image rate')
    const bySize = parseImageRates(imageRates)
    const perRequest = parseRate(requestRate, 'Per-request rate')
    for (const parsed of [input, output, perImage, bySize, perRequest]) if (typeof parsed === 'string') return setError(parsed)
    const detailRates: Partial<Record<DetailRate, number | null>> = {}
    for (const [field, label] of DETAIL_RATES) {
      const parsed = parseRate(details[field], `The ${label} rate`)
      if (typeof parsed === 'string') return setError(parsed)
      detailRates[field] = parsed
    }
    const fields: ModelFields = {
      kind,
      enabled,
      inputRate: input as number | null,
      outputRate: output as number | null,
      imageRate: perImage as number | null,
      imageRates: bySize as Record<string, number>,
      requestRate: perRequest as number | null,
      fallbacks: splitList(fallbacks),
      ...detailRates
    }
    // an empty upstream name on a new model lets the gateway take it from the id
    if (upstream.trim() !== '') fields.upstreamModel = upstream.trim()
    if (existing === undefined) fields.id = modelId.trim()
    await action.run(async () => { await onSubmit(fields) })
  }

  return (
    <Modal title={existing === undefined ? 'Add model' : `Edit model “${existing.id}”`} onClose={onCancel}>
      <form onSubmit={(e) => { void submit(e) }}>
        {existing === undefined && (
          <>
            <label htmlFor={`${id}-id`}>Model id</label>
            <input
              id={`${id}-id`} required maxLength={200} value={modelId} autoComplete='off' placeholder='openai/gpt-4o'
              aria-describedby={`${id}-id-help`} onChange={(e) => { setModelId(e.target.value) }}
            />
            <p id={`${id}-id-help`} className='hint'>How clients name it: <code>provider/model</code>.</p>
          </>
        )}

        <label htmlFor={`${id}-upstream`}>Upstream model name (optional)</label>
        <input
          id={`${id}-upstream`} maxLength={200} value={upstream} autoComplete='off' aria-describedby={`${id}-upstream-help`}
          onChange={(e) => { setUpstream(e.target.value) }}
        />
        <p id={`${id}-upstream-help`} className='hint'>The name sent to the provider, when it differs from the id.</p>

        <label htmlFor={`${id}-kind`}>Kind</label>
        <select id={`${id}-kind`} value={kind} onChange={(e) => { setKind(e.target.value as CatalogModel['kind']) }}>
          {MODEL_KINDS.map((k) => <option key={k} value={k}>{k}</option>)}
        </select>

        <fieldset aria-describedby={`${id}-rates-help`}>
          <legend>Rates (credits per 1M tokens)</legend>
          <label htmlFor={`${id}-input`}>Input rate</label>
          <input id={`${id}-input`} inputMode='decimal' value={inputRate} onChange={(e) => { setInputRate(e.target.value) }} />
          <label htmlFor={`${id}-output`}>Output rate</label>
          <input id={`${id}-output`} inputMode='decimal' value={outputRate} onChange={(e) => { setOutputRate(e.target.value) }} />
          {DETAIL_RATES.map(([field, label]) => (
            <Fragment key={field}>
              <label htmlFor={`${id}-${field}`}>Rate for {label} tokens</label>
              <input id={`${id}-${field}`} inputMode='decimal' value={details[field]} onChange={(e) => { setDetails({ ...details, [field]: e.target.value }) }} />
            </Fragment>
          ))}
          <p id={`${id}-rates-help`} className='hint'>
            Leave input and output empty for no price of your own: the built-in price list, if it knows the model, prices it; otherwise it
            is metered at zero credits or refused. An empty cached, cache-write or audio-in rate is the input rate (1-hour writes: the cache-write rate);
            an empty reasoning or audio-out rate is the output rate.
          </p>
        </fieldset>

        <fieldset aria-describedby={`${id}-other-help`}>
          <legend>Rates per image and per call (credits)</legend>
          <label htmlFor={`${id}-image`}>Per-image rate</label>
          <input id={`${id}-image`} inputMode='decimal' value={imageRate} onChange={(e) => { setImageRate(e.target.value) }} />
          <label htmlFor={`${id}-image-rates`}>Per-image rates by size/quality</label>
          <textarea
            id={`${id}-image-rates`} rows={2} value={imageRates} placeholder='1024x1024/hd = 0.08'
            onChange={(e) => { setImageRates(e.target.value) }}
          />
          <label htmlFor={`${id}-request`}>Per-request rate</label>
          <input id={`${id}-request`} inputMode='decimal' value={requestRate} onChange={(e) => { setRequestRate(e.target.value) }} />
          <p id={`${id}-other-help`} className='hint'>
            Images are charged per image unless the provider reports tokens and token rates are set; one
            &quot;size/quality = credits&quot; per line, * for any. The per-request rate is added to every answered call.
          </p>
        </fieldset>

        <label htmlFor={`${id}-fallbacks`}>Fallback models</label>
        <textarea
          id={`${id}-fallbacks`} rows={2} value={fallbacks} aria-describedby={`${id}-fallbacks-help`}
          onChange={(e) => { setFallbacks(e.target.value) }}
        />
        <p id={`${id}-fallbacks-help`} className='hint'>Model ids tried in order when this one fails before answering; one per line or comma-separated.</p>

        <label className='check'>
          <input type='checkbox' checked={enabled} onChange={(e) => { setEnabled(e.target.checked) }} />
          Enabled
        </label>

        <FormFooter error={action.error} busy={action.busy} submitLabel={existing === undefined ? 'Add model' : 'Save changes'} onCancel={onCancel} />
      </form>
    </Modal>
  )
}
