import { formatDate } from '../../lib/format'
import type { AccessKey } from '../../lib/types'
import { describeLimits } from './limits'

export type KeyAction = 'edit' | 'rotate' | 'revoke'

/** The keys as a table; each row's buttons are named after the key so they stay distinguishable. */
export function KeyTable ({ keys, isCurrent, onAction }: {
  keys: AccessKey[]
  /** True for the key this session signed in with. */
  isCurrent: (key: AccessKey) => boolean
  onAction: (action: KeyAction, key: AccessKey) => void
}) {
  return (
    <div className='table-wrap'>
      <table>
        <caption className='visually-hidden'>Access keys</caption>
        <thead>
          <tr>
            <th scope='col'>Name</th>
            <th scope='col'>Prefix</th>
            <th scope='col'>Scopes</th>
            <th scope='col'>Models</th>
            <th scope='col'>Limits</th>
            <th scope='col'>Expires</th>
            <th scope='col'>Last used</th>
            <th scope='col'>Status</th>
            <th scope='col'><span className='visually-hidden'>Actions</span></th>
          </tr>
        </thead>
        <tbody>
          {keys.map((key) => (
            <tr key={key.id}>
              <th scope='row'>{key.name}{isCurrent(key) && <span className='badge current'>you</span>}</th>
              <td><code>{key.prefix}…</code></td>
              <td>{key.scopes.join(', ')}</td>
              <td>{key.models.join(', ')}</td>
              <td>{describeLimits(key)}</td>
              <td>{formatDate(key.expiresAt, 'never')}</td>
              <td>{formatDate(key.lastUsedAt, 'never')}</td>
              <td><span className={`badge ${key.status}`}>{key.status}</span></td>
              <td className='row-actions'>
                {key.status !== 'revoked' && (
                  <>
                    <button type='button' aria-label={`Edit ${key.name}`} onClick={() => { onAction('edit', key) }}>Edit</button>
                    <button type='button' aria-label={`Rotate ${key.name}`} onClick={() => { onAction('rotate', key) }}>Rotate</button>
                    <button type='button' className='danger' aria-label={`Revoke ${key.name}`} onClick={() => { onAction('revoke', key) }}>Revoke</button>
                  </>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}
