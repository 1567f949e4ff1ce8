import fp from 'fastify-plugin'
import { AdminSessions, deriveKey } from '#admin-sso/admin-session.js'
import { OidcLogin } from '#admin-sso/oidc-login.js'
import { loadServerSecret } from '#keys/server-secret.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** Admin sessions minted after single sign-on; the auth hook verifies their tokens (prefix hgs_). */
    adminSessions: AdminSessions
    /** The OpenID Connect sign-in, when OIDC_ISSUER is set. */
    adminSso: { login: OidcLogin, cookieSecret: string } | undefined
  }
}

/** Optional single sign-on for the admin UI (routes in routes/api/admin/sso). */
export default fp(async (app) => {
  const serverSecret = loadServerSecret(app.config.SERVER_SECRET, app.config.DATA_DIR)
  app.decorate('adminSessions', new AdminSessions(serverSecret, app.config.ADMIN_SESSION_TTL_SECONDS, app.store.adminSessions))
  const { OIDC_ISSUER, OIDC_CLIENT_ID } = app.config
  app.decorate('adminSso', OIDC_ISSUER === undefined || OIDC_CLIENT_ID === undefined
    ? undefined
    : {
        login: new OidcLogin({ ...app.config, OIDC_ISSUER, OIDC_CLIENT_ID }, app.log),
        cookieSecret: deriveKey(serverSecret, 'sso login cookie').toString('base64url')
      })
}, { name: 'admin-sso', dependencies: ['store'] })
