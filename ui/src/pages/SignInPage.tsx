import { useEffect, useState, type FormEvent } from 'react'
import { ErrorMessage, StatusMessage } from '../components/Feedback'
import { verifyAdminKey } from '../lib/auth'
import { messageOf } from '../lib/http'
import { ssoEnabled, ssoLoginUrl } from '../lib/sso'

/** Sign in with an admin access key; it is checked against the admin API before it is kept for this tab. */
export function SignInPage ({ notice, error: initialError, onSignedIn }: {
  notice?: string
  /** Why the last sign-in failed (a single sign-on that was turned away). */
  error?: string
  onSignedIn: (token: string) => void
}) {
  const [key, setKey] = useState('')
  const [error, setError] = useState(initialError)
  const [busy, setBusy] = useState(false)
  const [sso, setSso] = useState(false)
  useEffect(() => { void ssoEnabled().then(setSso) }, [])

  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault()
    const token = key.trim()
    if (token === '') return setError('Enter an admin access key.')
    setBusy(true)
    setError(undefined)
    try {
      await verifyAdminKey(token)
      onSignedIn(token)
    } catch (err) {
      setError(messageOf(err))
      setBusy(false)
    }
  }

  return (
    <main className='sign-in'>
      <h1>Hubgate admin</h1>
      {notice !== undefined && <StatusMessage>{notice}</StatusMessage>}
      <form onSubmit={(e) => { void submit(e) }}>
        <label htmlFor='admin-key'>Admin access key</label>
        <input
          id='admin-key' type='password' autoComplete='off' spellCheck={false} value={key}
          aria-describedby='admin-key-help' onChange={(e) => { setKey(e.target.value) }}
        />
        <p id='admin-key-help' className='hint'>
          A key with the admin scope, such as the bootstrap key printed at first start. It stays in this browser tab only and is forgotten when you sign out or close the tab.
        </p>
        <ErrorMessage>{error}</ErrorMessage>
        <button type='submit' className='primary' disabled={busy}>{busy ? 'Signing in…' : 'Sign in'}</button>
      </form>
      {sso && (
        <>
          <p className='divider'>or</p>
          {/* a plain link, not a form: the provider's page is a navigation away (CSP form-action stays 'self') */}
          <a className='button' href='/api/admin/sso/login' onClick={(e) => { e.preventDefault(); window.location.assign(ssoLoginUrl()) }}>Sign in with single sign-on</a>
        </>
      )}
    </main>
  )
}
