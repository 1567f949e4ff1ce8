import { Type, type Static } from '@sinclair/typebox'

const List = (description: string) => Type.Optional(Type.String({ minLength: 1, description }))
const HttpUrl = (description: string) => Type.Optional(Type.String({ pattern: '^https?://\\S+$', description }))

/** Settings of the admin web UI and its optional OpenID Connect sign-in, spread into the config schema. */
export const AdminUiSettings = {
  ADMIN_UI_DIR: Type.Optional(Type.String({ minLength: 1, description: 'Directory of the built admin UI (default: dist/ui)' })),
  OIDC_ISSUER: HttpUrl('OpenID Connect issuer URL; single sign-on for the admin UI is on when it is set'),
  OIDC_CLIENT_ID: Type.Optional(Type.String({ minLength: 1 })),
  OIDC_CLIENT_SECRET: Type.Optional(Type.String({ minLength: 1, description: 'Omit for a public client (PKCE only)' })),
  OIDC_REDIRECT_URL: HttpUrl('Callback registered at the provider (default: <PUBLIC_URL>/api/admin/sso/callback); never derived from the request\'s Host header'),
  PUBLIC_URL: HttpUrl('The address clients and browsers reach the gateway at, e.g. https://gateway.example.com (single sign-on needs it or OIDC_REDIRECT_URL)'),
  OIDC_ALLOW_INSECURE: Type.Boolean({ default: false, description: 'Allow a plain http: OIDC_ISSUER (local testing only: tokens and keys would travel unprotected)' }),
  OIDC_SCOPES: Type.String({ default: 'openid email profile', pattern: '(^|\\s)openid(\\s|$)' }),
  OIDC_ALLOWED_EMAILS: List('Comma-separated emails that may sign in as admin'),
  OIDC_ALLOWED_DOMAINS: List('Comma-separated email domains that may sign in as admin'),
  OIDC_ALLOWED_GROUPS: List('Comma-separated groups (from OIDC_GROUPS_CLAIM) that may sign in as admin'),
  OIDC_GROUPS_CLAIM: Type.String({ default: 'groups', minLength: 1 }),
  ADMIN_SESSION_TTL_SECONDS: Type.Integer({ default: 3600, minimum: 60, maximum: 86_400, description: 'Lifetime of an admin session after single sign-on' })
}

const AdminUiConfig = Type.Object(AdminUiSettings)
export type AdminUiConfig = Static<typeof AdminUiConfig>

/** "a, b ,c" → ["a", "b", "c"] */
export function commaList (value: string | undefined): string[] {
  return (value ?? '').split(',').map((s) => s.trim()).filter(Boolean)
}

/** Where the identity provider sends the browser back: configured, never taken from a request's Host header. */
export function oidcRedirectUrl (config: AdminUiConfig): string | undefined {
  if (config.OIDC_REDIRECT_URL !== undefined) return config.OIDC_REDIRECT_URL
  return config.PUBLIC_URL === undefined ? undefined : `${config.PUBLIC_URL.replace(/\/+$/, '')}/api/admin/sso/callback`
}

/** What is wrong with the single sign-on settings, if anything (checked when the config loads). */
export function adminUiConfigProblem (config: AdminUiConfig): string | undefined {
  if (config.OIDC_ISSUER === undefined) return undefined
  if (config.OIDC_CLIENT_ID === undefined) return 'OIDC_CLIENT_ID is required with OIDC_ISSUER'
  // discovery, keys and the code exchange would travel in the clear: anyone on the path could mint admin sessions
  if (config.OIDC_ISSUER.startsWith('http:') && !config.OIDC_ALLOW_INSECURE) {
    return 'OIDC_ISSUER must be https (set OIDC_ALLOW_INSECURE=true to allow http for local testing)'
  }
  if (oidcRedirectUrl(config) === undefined) return 'OIDC_ISSUER needs OIDC_REDIRECT_URL or PUBLIC_URL (the callback is never derived from the Host header)'
  const rules = [config.OIDC_ALLOWED_EMAILS, config.OIDC_ALLOWED_DOMAINS, config.OIDC_ALLOWED_GROUPS]
  // without an allow-list every account at the provider would become a gateway admin
  if (rules.every((rule) => commaList(rule).length === 0)) {
    return 'OIDC_ISSUER needs at least one of OIDC_ALLOWED_EMAILS, OIDC_ALLOWED_DOMAINS, OIDC_ALLOWED_GROUPS'
  }
  return undefined
}
