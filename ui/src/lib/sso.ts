import { bearerHeaders, send } from './http'

const SSO_ERRORS: Record<string, string> = {
  denied: 'Single sign-on was cancelled or refused by the identity provider.',
  'not-allowed': 'Your account signed in, but it is not allowed to administer this gateway. Ask an administrator to add your email, domain or group.',
  expired: 'The sign-in took too long or was started in another browser. Try again.',
  failed: 'Single sign-on failed. Try again; if it keeps failing, the gateway log says why.'
}

// the nonce of the sign-in this tab started: a token that comes back without it is someone else's
const NONCE_KEY = 'hubgate.sso.nonce'
// the admin page the sign-in started from (the approval page `aigne hub connect` opened, with its ?sid=): back to it after
const RETURN_KEY = 'hubgate.sso.return'

/**
 * Where the single sign-on link goes: the gateway's /login with a fresh nonce this tab keeps until the way back,
 * remembering the page (path and query, within the admin UI) to come back to.
 */
export function ssoLoginUrl (): string {
  const nonce = Array.from(crypto.getRandomValues(new Uint8Array(24)), (b) => b.toString(16).padStart(2, '0')).join('')
  sessionStorage.setItem(NONCE_KEY, nonce)
  sessionStorage.setItem(RETURN_KEY, window.location.pathname + window.location.search)
  return `/api/admin/sso/login?nonce=${nonce}`
}

/** The admin page to land on after signing in: the one the sign-in started from, when it is one of ours. */
function returnPath (): string {
  const saved = sessionStorage.getItem(RETURN_KEY)
  sessionStorage.removeItem(RETURN_KEY)
  return saved !== null && /^\/admin\/[^/\\]/.test(saved) ? saved : window.location.pathname + window.location.search
}

/**
 * Takes what the single sign-on callback put in the address fragment (#sso=<token>&nonce=… or #sso-error=<reason>)
 * and clears it from the address bar and history. A token is taken only with the nonce of the sign-in this tab
 * started: a link carrying another session's token (signing the admin in as someone else) is ignored.
 */
export function takeSsoResult (): { token?: string, error?: string } {
  const params = new URLSearchParams(window.location.hash.slice(1))
  const token = params.get('sso')
  const reason = params.get('sso-error')
  if (token === null && reason === null) return {}
  const expected = sessionStorage.getItem(NONCE_KEY)
  sessionStorage.removeItem(NONCE_KEY)
  const signedIn = token !== null && expected !== null && params.get('nonce') === expected
  const back = returnPath()
  window.history.replaceState(null, '', signedIn ? back : window.location.pathname + window.location.search)
  if (token !== null) return signedIn ? { token } : {}
  return { error: SSO_ERRORS[reason ?? ''] ?? SSO_ERRORS.failed }
}

/** Whether the gateway offers single sign-on (GET /api/admin/sso/config); false when it cannot tell. */
export async function ssoEnabled (): Promise<boolean> {
  try {
    const res = await send('/api/admin/sso/config', {})
    if (!res.ok) return false
    const body = await res.json() as { enabled?: unknown }
    return body.enabled === true
  } catch {
    return false
  }
}

/**
 * Ends a single sign-on session on the gateway (every replica refuses it from then on). An admin key has nothing to
 * end. Best effort: signing out of the page goes on even when the gateway cannot be reached.
 */
export async function endSession (token: string): Promise<void> {
  if (!token.startsWith('hgs_')) return
  try {
    await send('/api/admin/sso/logout', { method: 'POST', headers: bearerHeaders(token, false) })
  } catch {}
}
