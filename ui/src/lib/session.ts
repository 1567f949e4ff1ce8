// The admin credential lives in this tab only: sessionStorage is per tab and cleared when it closes.
const STORAGE_KEY = 'hubgate.admin.token'

export function storedToken (): string | null {
  try {
    return sessionStorage.getItem(STORAGE_KEY)
  } catch {
    return null
  }
}

export function storeToken (token: string): void {
  sessionStorage.setItem(STORAGE_KEY, token)
}

export function clearToken (): void {
  sessionStorage.removeItem(STORAGE_KEY)
}
