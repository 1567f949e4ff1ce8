import type { IncomingMessage, ServerResponse } from 'node:http'
import fp from 'fastify-plugin'
import helmet, { type HelmetOptions } from 'helmet'

type Directives = Record<string, string[]>

/**
 * Same-origin only, nothing inline: the admin UI (a Vite build of external, hashed files) needs no more,
 * and for JSON answers a CSP costs nothing. No upgrade-insecure-requests: a gateway reached over plain
 * http on a private network must keep loading its own assets.
 */
export const STRICT_CSP: Directives = {
  'default-src': ["'self'"],
  'base-uri': ["'self'"],
  'connect-src': ["'self'"],
  'font-src': ["'self'"],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
  'img-src': ["'self'", 'data:'],
  'object-src': ["'none'"],
  'script-src': ["'self'"],
  'script-src-attr': ["'none'"],
  'style-src': ["'self'"]
}

/** Swagger UI (/docs) sets inline styles from its bundle; it gets that and nothing else extra. */
const DOCS_CSP: Directives = { ...STRICT_CSP, 'style-src': ["'self'", "'unsafe-inline'"] }

/**
 * The headers helmet sets for `options`, worked out once. Our policies are static (no nonces), so every
 * answer gets the same set; @fastify/helmet would rebuild helmet's middleware on every request instead.
 */
export function securityHeaders (options: HelmetOptions): Record<string, string> {
  const headers: Record<string, string> = {}
  const response = {
    setHeader (name: string, value: unknown) { headers[name.toLowerCase()] = String(value) },
    removeHeader (name: string) { Reflect.deleteProperty(headers, name.toLowerCase()) }
  }
  helmet(options)({} as IncomingMessage, response as unknown as ServerResponse, () => {})
  return headers
}

/**
 * What a JSON or event-stream answer needs (OWASP REST Security): it is never rendered as a page, so
 * helmet's document policies (cross-origin isolation, referrer, prefetch, old-IE options) do nothing there
 * but cost every API call nine more header lines. Nothing may load or frame it, nothing may sniff it.
 */
export const API_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'strict-transport-security': 'max-age=31536000; includeSubDomains'
}

/** Security headers on every answer: helmet's full set on pages (the docs with their own CSP), the API set elsewhere. */
export default fp(async (app) => {
  const strict = securityHeaders({ contentSecurityPolicy: { useDefaults: false, directives: STRICT_CSP } })
  const docs = securityHeaders({ contentSecurityPolicy: { useDefaults: false, directives: DOCS_CSP } })
  /** By route pattern: the API docs, the admin UI pages, or the API; no route (a 404) may be a browser's. */
  const forRoute = (url: string | undefined): Record<string, string> => {
    if (url === undefined || url === '/admin' || url.startsWith('/admin/')) return strict
    return url.startsWith('/docs') ? docs : API_HEADERS
  }
  app.addHook('onRequest', (request, reply, done) => {
    reply.headers(forRoute(request.routeOptions.url))
    done()
  })
}, { name: 'helmet' })
