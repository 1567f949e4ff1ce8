import fp from 'fastify-plugin'
import { Conversations } from '#protocols/responses/conversation.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** Stored OpenAI Responses per access key (previous_response_id, item references, GET, DELETE). */
    conversations: Conversations
  }
}

/** How often expired responses are purged (they are unreadable from the moment they expire). */
const PURGE_EVERY_MS = 3_600_000

/** Stored Responses conversations over the store's responses tables, purged as they expire (RESPONSES_RETENTION_HOURS). */
export default fp(async (app) => {
  const conversations = new Conversations(app.store.responses, {
    retentionHours: app.config.RESPONSES_RETENTION_HOURS,
    maxBytes: app.config.RESPONSES_MAX_STORED_BYTES
  }, app.log)
  app.decorate('conversations', conversations)
  const timer = setInterval(() => {
    conversations.purge().catch((err: unknown) => { app.log.warn({ err }, 'purging expired responses failed; will retry') })
  }, PURGE_EVERY_MS)
  timer.unref()
  app.addHook('onClose', () => { clearInterval(timer) })
}, { name: 'conversations', dependencies: ['store'] })
