import { useCallback, useEffect, useState, type ComponentType } from 'react'
import { AuthProvider, useAdminApi } from './lib/auth'
import { Link, navigate, usePath } from './lib/router'
import { clearToken, storedToken, storeToken } from './lib/session'
import { endSession, takeSsoResult } from './lib/sso'
import { AccessKeysPage } from './pages/keys/AccessKeysPage'
import { AuditPage } from './pages/AuditPage'
import { ConnectPage } from './pages/ConnectPage'
import { PlaygroundPage } from './pages/PlaygroundPage'
import { SignInPage } from './pages/SignInPage'
import { ModelsPage } from './pages/models/ModelsPage'
import { ProvidersPage } from './pages/providers/ProvidersPage'
import { SessionsPage } from './pages/SessionsPage'
import { UsagePage } from './pages/UsagePage'

/** The admin sections, in navigation order. A new section is one line here plus its page component. */
const PAGES: Array<{ path: string, title: string, Page: ComponentType }> = [
  { path: '/keys', title: 'Access keys', Page: AccessKeysPage },
  { path: '/providers', title: 'Providers', Page: ProvidersPage },
  { path: '/models', title: 'Models & rates', Page: ModelsPage },
  { path: '/usage', title: 'Usage', Page: UsagePage },
  { path: '/playground', title: 'Playground', Page: PlaygroundPage },
  { path: '/audit', title: 'Audit log', Page: AuditPage },
  { path: '/sessions', title: 'Admin sessions', Page: SessionsPage }
]
/** Pages reached by a link from elsewhere, not from the navigation: `aigne hub connect` opens /connect. */
const LINKED_PAGES: typeof PAGES = [
  { path: '/connect', title: 'Connect an app', Page: ConnectPage }
]

// read once, before the first render, so the token never lingers in the address bar
const ssoResult = takeSsoResult()
if (ssoResult.token !== undefined) storeToken(ssoResult.token)

export function App () {
  const [token, setToken] = useState(storedToken)
  const [notice, setNotice] = useState<string>()
  const [ssoError, setSsoError] = useState(ssoResult.error)

  const signIn = useCallback((value: string) => {
    storeToken(value)
    setNotice(undefined)
    setSsoError(undefined)
    setToken(value)
  }, [])
  const signOut = useCallback((reason?: string) => {
    clearToken()
    setSsoError(undefined)
    setNotice(reason ?? 'You are signed out.')
    setToken(null)
  }, [])

  if (token === null) return <SignInPage notice={notice} error={ssoError} onSignedIn={signIn} />
  return (
    <AuthProvider token={token} onSignOut={signOut}>
      <Shell />
    </AuthProvider>
  )
}

function Shell () {
  const path = usePath()
  const { signOut, token } = useAdminApi()
  const page = [...PAGES, ...LINKED_PAGES].find((p) => p.path === path)

  useEffect(() => {
    if (path === '/') navigate('/keys', true)
  }, [path])
  useEffect(() => {
    document.title = `${page?.title ?? 'Not found'} · Hubgate admin`
  }, [page])

  return (
    <div className='shell'>
      <a className='skip-link' href='#main'>Skip to content</a>
      <header className='topbar'>
        <span className='brand'>Hubgate</span>
        <nav aria-label='Admin sections'>
          <ul>
            {PAGES.map((p) => <li key={p.path}><Link to={p.path}>{p.title}</Link></li>)}
          </ul>
        </nav>
        <button type='button' className='sign-out' onClick={() => { void endSession(token).then(() => { signOut() }) }}>Sign out</button>
      </header>
      <main id='main' tabIndex={-1}>
        {page !== undefined
          ? <page.Page key={page.path} />
          : path !== '/' && <><h1>Page not found</h1><p>There is no admin page at this address. <Link to='/keys'>Go to access keys</Link>.</p></>}
      </main>
    </div>
  )
}
