import type { FastifyInstance, RouteOptions } from 'fastify'
import { errorResponses } from '#schemas/error.js'

/**
 * What every route under /api/admin shares, set once (autoloaded for this folder and the ones below it): the admin
 * scope, bearer security in OpenAPI and the 401 and 503 answers. A route opts out only by saying `public: true`
 * (the single sign-on endpoints a browser reaches before it has a key); a new admin route is admin-only by default.
 */
export default async function adminRoutes (app: FastifyInstance): Promise<void> {
  app.addHook('onRoute', (route: RouteOptions) => {
    route.config ??= {}
    if (route.config.public === true) return
    route.config.scope ??= 'admin'
    route.schema ??= {}
    route.schema.security ??= [{ bearerAuth: [] }]
    const response = (route.schema.response ??= {}) as Record<string, unknown>
    for (const [status, schema] of Object.entries(errorResponses(401, 503))) response[status] ??= schema
  })
}
