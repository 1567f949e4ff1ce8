import { formatAmount } from '../../lib/format'
import type { CatalogModel } from '../../lib/types'
import { isUnpriced, otherRatesText } from './rates'

export type ModelAction = 'edit' | 'delete'

const formatRate = (value: number | null): string => value === null ? '—' : formatAmount(value)

/** The catalog as a table; unpriced models carry a warning badge, row buttons are named after the model. */
export function ModelTable ({ models, onAction }: { models: CatalogModel[], onAction: (action: ModelAction, model: CatalogModel) => void }) {
  return (
    <div className='table-wrap'>
      <table>
        <caption className='visually-hidden'>Models and rates</caption>
        <thead>
          <tr>
            <th scope='col'>Model</th>
            <th scope='col'>Upstream name</th>
            <th scope='col'>Kind</th>
            <th scope='col'>Input rate</th>
            <th scope='col'>Output rate</th>
            <th scope='col'>Fallbacks</th>
            <th scope='col'>Status</th>
            <th scope='col'>Per image / call</th>
            <th scope='col'><span className='visually-hidden'>Actions</span></th>
          </tr>
        </thead>
        <tbody>
          {models.map((model) => (
            <tr key={model.id}>
              <th scope='row'>
                {model.id}
                {isUnpriced(model) && <span className='badge unpriced' title='Metered at zero credits or refused'>unpriced</span>}
              </th>
              <td>{model.upstreamModel}</td>
              <td>{model.kind}</td>
              <td className='number'>{formatRate(model.inputRate)}</td>
              <td className='number'>{formatRate(model.outputRate)}</td>
              <td>{model.fallbacks.length === 0 ? '—' : model.fallbacks.join(', ')}</td>
              <td><span className={`badge ${model.enabled ? 'active' : 'disabled'}`}>{model.enabled ? 'enabled' : 'disabled'}</span></td>
              <td>{otherRatesText(model)}</td>
              <td className='row-actions'>
                <button type='button' aria-label={`Edit ${model.id}`} onClick={() => { onAction('edit', model) }}>Edit</button>
                <button type='button' className='danger' aria-label={`Delete ${model.id}`} onClick={() => { onAction('delete', model) }}>Delete</button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}
