import fp from 'fastify-plugin'
import helmet from '@fastify/helmet'

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

/** Security headers on every answer: the API, the admin UI and the API docs (with their own CSP). */
export default fp(async (app) => {
  // added before helmet registers so its own onRoute hook sees the per-route option
  app.addHook('onRoute', (route) => {
    if (route.url.startsWith('/docs')) route.helmet = { contentSecurityPolicy: { useDefaults: false, directives: DOCS_CSP } }
  })
  await app.register(helmet, {
    contentSecurityPolicy: { useDefaults: false, directives: STRICT_CSP }
  })
}, { name: 'helmet' })
