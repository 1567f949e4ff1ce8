import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { errorResponses } from '#schemas/error.js'

const AuditEntry = Type.Object({
  id: Type.String(),
  at: Type.String({ format: 'date-time' }),
  actor: Type.String({ description: '"access-key:<id>" or "jwt:<sub>"' }),
  action: Type.String({ description: 'e.g. access_key.created, access_key.revoked' }),
  targetType: Type.String(),
  targetId: Type.Union([Type.String(), Type.Null()]),
  ip: Type.Union([Type.String(), Type.Null()]),
  details: Type.Union([Type.Object({}, { additionalProperties: true }), Type.Null()])
}, { $id: 'AuditEntry' })

const AuditQuery = Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
  offset: Type.Integer({ minimum: 0, maximum: 1e9, default: 0 }),
  action: Type.Optional(Type.String({ maxLength: 100 })),
  targetId: Type.Optional(Type.String({ maxLength: 100 })),
  since: Type.Optional(Type.String({ format: 'date-time' })),
  until: Type.Optional(Type.String({ format: 'date-time' }))
})

const audit: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/', {
    schema: {
      tags: ['admin: audit'],
      summary: 'Admin actions, newest first',
      querystring: AuditQuery,
      response: { 200: Type.Object({ items: Type.Array(AuditEntry) }), ...errorResponses(400) }
    }
  }, async (request) => {
    const { since, until, ...rest } = request.query
    const items = await app.store.audit.list({
      ...rest,
      since: since === undefined ? undefined : new Date(since).toISOString(),
      until: until === undefined ? undefined : new Date(until).toISOString()
    })
    return { items }
  })
}

export default audit
