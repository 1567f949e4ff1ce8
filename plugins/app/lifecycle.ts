import fp from 'fastify-plugin'

declare module 'fastify' {
  interface FastifyInstance {
    /** True once shutdown began: readiness fails so load balancers stop sending traffic. */
    draining: boolean
    /**
     * Graceful stop: readiness fails, no new connections, in-flight requests and streams finish until `graceMs`,
     * then remaining connections are cut so onClose work (usage flush, store close) still runs.
     */
    drain: (graceMs: number) => Promise<void>
  }
}

export default fp(async (app) => {
  app.decorate('draining', false)
  app.decorate('drain', async (graceMs: number) => {
    app.draining = true
    const force = setTimeout(() => { app.server.closeAllConnections() }, graceMs)
    force.unref()
    try {
      await app.close()
    } finally {
      clearTimeout(force)
    }
  })
}, { name: 'lifecycle' })
