import fp from 'fastify-plugin'
import { ConnectSessionService } from '#keys/connect-sessions.js'
import { connectKeyDefaults, type ConnectKeyDefaults } from '#keys/connect-settings.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** Sessions of `aigne hub connect` (routes/well-known/service, routes/api/admin/connect-sessions). */
    connectSessions: ConnectSessionService
    /** What the approval page proposes for a connected key (CONNECT_KEY_* settings). */
    connectKeyDefaults: ConnectKeyDefaults
  }
}

export default fp(async (app) => {
  app.decorate('connectSessions', new ConnectSessionService({
    store: app.store,
    serverSecret: app.serverSecret,
    accessKeys: app.accessKeys,
    maxLive: app.config.CONNECT_SESSIONS_MAX
  }))
  app.decorate('connectKeyDefaults', connectKeyDefaults(app.config))
}, { name: 'connect-sessions', dependencies: ['store', 'access-keys'] })
