import { createContext, useContext, useMemo, type ReactNode } from 'react'
import { ApiError, bearerHeaders, errorFrom, send } from './http'

type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE'

export interface AdminApi {
  /** The signed-in credential (admin access key or SSO session token). */
  token: string
  /** Resolves to the JSON answer, or undefined for 204 No Content (DELETE). */
  request: <T>(method: HttpMethod, path: string, body?: unknown) => Promise<T>
  signOut: (reason?: string) => void
}

const AuthContext = createContext<AdminApi | null>(null)

export function AuthProvider ({ token, onSignOut, children }: { token: string, onSignOut: (reason?: string) => void, children: ReactNode }) {
  const api = useMemo<AdminApi>(() => ({
    token,
    signOut: onSignOut,
    request: async <T,>(method: HttpMethod, path: string, body?: unknown): Promise<T> => {
      const res = await send(path, {
        method,
        headers: bearerHeaders(token, body !== undefined),
        body: body === undefined ? undefined : JSON.stringify(body)
      })
      if (res.status === 401) {
        // the key was revoked, expired or lost the admin scope while the tab was open
        onSignOut('Your session ended: the gateway no longer accepts this key. Sign in again.')
        throw await errorFrom(res)
      }
      if (!res.ok) throw await errorFrom(res)
      if (res.status === 204) return undefined as T
      return await res.json() as T
    }
  }), [token, onSignOut])
  return <AuthContext.Provider value={api}>{children}</AuthContext.Provider>
}

export function useAdminApi (): AdminApi {
  const api = useContext(AuthContext)
  if (api === null) throw new Error('useAdminApi outside AuthProvider')
  return api
}

/** Checks a candidate admin key against the admin API without keeping it. */
export async function verifyAdminKey (token: string): Promise<void> {
  const res = await send('/api/admin/access-keys?limit=1', { headers: bearerHeaders(token, false) })
  if (res.status === 401) {
    throw new ApiError(401, 'That key was not accepted. Check that it is complete, not revoked or expired, and has the admin scope.')
  }
  if (!res.ok) throw await errorFrom(res)
}
