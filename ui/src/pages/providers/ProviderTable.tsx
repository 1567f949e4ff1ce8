import type { Provider, ProviderCredential } from '../../lib/types'
import { healthText } from './CredentialsDialog'

export type ProviderAction = 'test' | 'edit' | 'credentials' | 'toggle' | 'delete'

/** "2 credentials: ok, cooling down…" for store providers; the environment holds env providers' keys. */
function credentialSummary (provider: Provider, credentials: ProviderCredential[] | undefined): string {
  if (provider.source === 'env') return 'from the environment'
  if (credentials === undefined) return String(provider.credentials)
  if (credentials.length === 0) return 'none: add one'
  return `${credentials.length}: ${credentials.map((c) => `${c.label} ${healthText(c.health)}`).join('; ')}`
}

/** The providers as a table; row buttons are named after the provider so they stay distinguishable. */
export function ProviderTable ({ providers, credentials, onAction }: {
  providers: Provider[]
  credentials: Record<string, ProviderCredential[]>
  onAction: (action: ProviderAction, provider: Provider) => void
}) {
  return (
    <div className='table-wrap'>
      <table>
        <caption className='visually-hidden'>Providers</caption>
        <thead>
          <tr>
            <th scope='col'>Provider</th>
            <th scope='col'>Source</th>
            <th scope='col'>Kind</th>
            <th scope='col'>Base URL</th>
            <th scope='col'>Status</th>
            <th scope='col' title='Which provider of the built-in price list prices models the catalog does not'>Built-in prices</th>
            <th scope='col'>Credentials and health</th>
            <th scope='col'><span className='visually-hidden'>Actions</span></th>
          </tr>
        </thead>
        <tbody>
          {providers.map((p) => (
            <tr key={p.id}>
              <th scope='row'>{p.displayName}{p.displayName !== p.id && <> <code>{p.id}</code></>}</th>
              <td><span className={`badge source-${p.source}`} title={p.readOnly ? 'Read-only: set in the environment' : undefined}>{p.source}</span></td>
              <td>{p.kind}</td>
              <td><code>{p.baseUrl}</code></td>
              <td><span className={`badge ${p.enabled ? 'active' : 'disabled'}`}>{p.enabled ? 'enabled' : 'disabled'}</span></td>
              <td>{p.builtinPrices ?? 'none'}</td>
              <td>{credentialSummary(p, credentials[p.id])}</td>
              <td className='row-actions'>
                <button type='button' aria-label={`Test connection to ${p.id}`} onClick={() => { onAction('test', p) }}>Test</button>
                {!p.readOnly && (
                  <>
                    <button type='button' aria-label={`Edit ${p.id}`} onClick={() => { onAction('edit', p) }}>Edit</button>
                    <button type='button' aria-label={`Credentials of ${p.id}`} onClick={() => { onAction('credentials', p) }}>Credentials</button>
                    <button type='button' aria-label={`${p.enabled ? 'Disable' : 'Enable'} ${p.id}`} onClick={() => { onAction('toggle', p) }}>{p.enabled ? 'Disable' : 'Enable'}</button>
                    <button type='button' className='danger' aria-label={`Delete ${p.id}`} onClick={() => { onAction('delete', p) }}>Delete</button>
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
