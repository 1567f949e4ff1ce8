import fp from 'fastify-plugin'

/**
 * Every proxied answer (chat, AIGNE, embeddings, images, legacy; errors too) carries
 * `Server-Timing: gateway;dur=…, upstream;dur=…` so a client can tell the gateway's overhead from the
 * provider's time. onSend runs before the headers leave, for a stream too (upstream = until its headers).
 */
export default fp(async (app) => {
  app.addHook('onSend', (request, reply, payload, done) => {
    if (request.callTiming !== undefined) reply.header('server-timing', request.callTiming.header(reply.elapsedTime))
    done(null, payload)
  })
}, { name: 'server-timing' })
