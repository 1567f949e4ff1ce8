import { useSyncExternalStore, type AnchorHTMLAttributes, type MouseEvent } from 'react'

/** Where the gateway serves the UI; every in-app path is relative to it (see vite.config.ts `base`). */
export const BASE = '/admin'
const NAVIGATED = 'hubgate:navigate'

function subscribe (onChange: () => void): () => void {
  window.addEventListener('popstate', onChange)
  window.addEventListener(NAVIGATED, onChange)
  return () => {
    window.removeEventListener('popstate', onChange)
    window.removeEventListener(NAVIGATED, onChange)
  }
}

function currentPath (): string {
  const path = window.location.pathname
  const inside = path.startsWith(BASE) ? path.slice(BASE.length) : path
  return inside === '' ? '/' : inside.replace(/\/+$/, '') || '/'
}

/** The in-app path ("/keys") of the current location; re-renders on navigation. */
export function usePath (): string {
  return useSyncExternalStore(subscribe, currentPath)
}

export function navigate (to: string, replace = false): void {
  const url = BASE + to
  if (replace) window.history.replaceState(null, '', url)
  else window.history.pushState(null, '', url)
  window.dispatchEvent(new Event(NAVIGATED))
}

/** An ordinary link (works with middle click / new tab) that navigates in place on a plain click. */
export function Link ({ to, ...rest }: { to: string } & AnchorHTMLAttributes<HTMLAnchorElement>) {
  const active = usePath() === to
  const onClick = (event: MouseEvent<HTMLAnchorElement>): void => {
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return
    event.preventDefault()
    navigate(to)
  }
  return <a href={BASE + to} onClick={onClick} aria-current={active ? 'page' : undefined} {...rest} />
}
