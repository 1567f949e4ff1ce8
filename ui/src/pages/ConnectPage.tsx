import { useId, useState, type FormEvent } from 'react'
import { ErrorMessage, StatusMessage } from '../components/Feedback'
import { useAdminApi } from '../lib/auth'
import { splitList } from '../lib/format'
import { messageOf } from '../lib/http'
import { useLoad } from '../lib/use-load'
import type { AccessKey, KeyLimits } from '../lib/types'
import { limitInputs, parseLimits, type LimitInputs } from './keys/limits'
import { LimitsFieldset } from './keys/LimitsFieldset'

/** Scopes a connected key may get (the gateway refuses admin for it). */
const CONNECT_SCOPES = ['chat', 'embeddings', 'images']

interface ConnectSession {
  status: 'pending' | 'approved' | 'denied'
  expiresAt: string
  defaults: KeyLimits & { scopes: string[], models: string[] }
}

/** What `aigne hub connect` put in the page address: the session (base64url of its id) and how the app calls itself. */
function request (): { sid: string | undefined, appName: string, appLogo: string, source: string } {
  const query = new URLSearchParams(window.location.search)
  let sid: string | undefined
  try {
    sid = atob((query.get('__token__') ?? '').replace(/-/g, '+').replace(/_/g, '/'))
  } catch {}
  return {
    sid: sid !== undefined && /^[A-Za-z0-9_-]{32}$/.test(sid) ? sid : undefined,
    appName: (query.get('appName') ?? '').trim().slice(0, 200) || 'AIGNE CLI',
    appLogo: query.get('appLogo') ?? '',
    source: (query.get('source') ?? '').slice(0, 200)
  }
}

/** Only the page's own images and inline ones load here (the admin CSP): a third-party logo is named, not fetched. */
function AppLogo ({ url }: { url: string }) {
  if (url === '') return null
  if (/^data:image\/(png|gif|jpeg|webp);/.test(url)) return <img className='app-logo' src={url} alt='' width={32} height={32} />
  let host = url
  try { host = new URL(url).host } catch {}
  return <p className='hint'>Its logo is at {host} (not loaded: the admin pages fetch nothing from other sites).</p>
}

/**
 * The approval page `aigne hub connect` opens (via /.well-known/service/gen-simple-access-key): the admin sees which app
 * asks, chooses the new key's scopes, models and limits (proposed from the CONNECT_KEY_* settings), and approves or denies.
 */
export function ConnectPage () {
  const api = useAdminApi()
  const id = useId()
  const [{ sid, appName, appLogo, source }] = useState(request)
  const session = useLoad(async () => sid === undefined ? undefined : await api.request<ConnectSession>('GET', `/api/admin/connect-sessions?sid=${sid}`), sid ?? '')
  const [outcome, setOutcome] = useState<string>()
  const [error, setError] = useState<string>()
  const [busy, setBusy] = useState(false)

  if (sid === undefined) return <><h1>Connect an app</h1><ErrorMessage>This address carries no connection request. Run <code>aigne hub connect</code> again and open the page it shows.</ErrorMessage></>
  if (session.error !== undefined) return <><h1>Connect an app</h1><ErrorMessage>{session.error}</ErrorMessage></>
  if (session.data === undefined) return <><h1>Connect an app</h1><p>Loading…</p></>
  if (outcome !== undefined) return <><h1>Connect an app</h1><StatusMessage>{outcome}</StatusMessage></>
  if (session.data.status !== 'pending') return <><h1>Connect an app</h1><StatusMessage>This request was already {session.data.status}.</StatusMessage></>

  const decide = async (action: () => Promise<string>): Promise<void> => {
    setBusy(true)
    setError(undefined)
    try {
      setOutcome(await action())
    } catch (err) {
      setError(messageOf(err))
      setBusy(false)
    }
  }
  const deny = async (): Promise<void> => {
    await decide(async () => {
      await api.request('POST', `/api/admin/connect-sessions/deny?sid=${sid}`)
      return `Denied. ${appName} gets no key.`
    })
  }
  return (
    <>
      <h1>Connect an app</h1>
      <section aria-label='The request'>
        <AppLogo url={appLogo} />
        <p><strong>{appName}</strong> asks for an access key to this gateway{source !== '' ? <> ({source})</> : null}.</p>
        <p className='hint'>The name and logo are what the app says of itself. Approve only a request you just started, before {new Date(session.data.expiresAt).toLocaleTimeString()}.</p>
      </section>
      <ApproveForm
        id={id} appName={appName} defaults={session.data.defaults} busy={busy}
        onApprove={async (fields) => {
          await decide(async () => {
            const key = await api.request<AccessKey>('POST', `/api/admin/connect-sessions/approve?sid=${sid}`, fields)
            return `Approved: key “${key.name}” created. ${appName} picks it up by itself; you can close this page.`
          })
        }}
        onDeny={() => { void deny() }}
        onInvalid={setError}
      />
      <ErrorMessage>{error}</ErrorMessage>
    </>
  )
}

function ApproveForm ({ id, appName, defaults, busy, onApprove, onDeny, onInvalid }: {
  id: string
  appName: string
  defaults: ConnectSession['defaults']
  busy: boolean
  onApprove: (fields: Record<string, unknown>) => Promise<void>
  onDeny: () => void
  onInvalid: (message: string) => void
}) {
  const [scopes, setScopes] = useState(defaults.scopes)
  const [models, setModels] = useState(defaults.models.join('\n'))
  const [limits, setLimits] = useState<LimitInputs>(limitInputs(defaults))
  const submit = (event: FormEvent): void => {
    event.preventDefault()
    const patterns = splitList(models)
    if (scopes.length === 0) return onInvalid('Choose at least one scope.')
    if (patterns.length === 0) return onInvalid('List at least one model pattern, or * for every model.')
    const parsed = parseLimits(limits)
    if (typeof parsed === 'string') return onInvalid(parsed)
    void onApprove({ name: appName, scopes: CONNECT_SCOPES.filter((s) => scopes.includes(s)), models: patterns, ...parsed })
  }
  return (
    <form onSubmit={submit} aria-label='The new key'>
      <fieldset>
        <legend>Scopes</legend>
        {CONNECT_SCOPES.map((scope) => (
          <label key={scope} className='check'>
            <input type='checkbox' checked={scopes.includes(scope)} onChange={(e) => { setScopes((current) => e.target.checked ? [...current, scope] : current.filter((s) => s !== scope)) }} />
            {scope}
          </label>
        ))}
      </fieldset>
      <label htmlFor={`${id}-models`}>Allowed models</label>
      <textarea id={`${id}-models`} rows={3} value={models} onChange={(e) => { setModels(e.target.value) }} />
      <LimitsFieldset id={id} limits={limits} onChange={setLimits} />
      <div className='actions'>
        <button type='submit' className='primary' disabled={busy}>Approve</button>
        <button type='button' onClick={onDeny} disabled={busy}>Deny</button>
      </div>
    </form>
  )
}
