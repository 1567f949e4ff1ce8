import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { readiness } from '#routes/health/index.js'

const Detail = Type.Object({
  status: Type.Literal('ok'),
  providers: Type.Record(Type.String(), Type.Union([Type.Literal('closed'), Type.Literal('open'), Type.Literal('half-open')]), {
    description: 'Circuit breaker of each configured provider; an open one is skipped (fallbacks, or 503) but the gateway stays ready'
  })
})

/** Readiness with the circuit breaker of each provider by id: the detail public /health/ready leaves out. */
const health: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/', {
    schema: {
      tags: ['health'],
      summary: 'Readiness with each provider\'s circuit breaker state (same status codes as /health/ready)',
      response: { 200: Detail }
    }
  }, async (request, reply) => {
    const providers = await readiness(app, request, reply)
    return providers === undefined ? reply : { status: 'ok' as const, providers }
  })
}

export default health
