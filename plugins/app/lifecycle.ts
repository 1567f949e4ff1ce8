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
    // server.close() ends only the connections idle at that moment; a keep-alive connection whose stream
    // finishes later would hold the shutdown until the deadline, so idle ones are swept as they appear
    const sweep = setInterval(() => { app.server.closeIdleConnections() }, 100)
    force.unref()
    sweep.unref()
    try {
      await app.close()
    } finally {
      clearTimeout(force)
      clearInterval(sweep)
    }
  })
}, { name: 'lifecycle' })
