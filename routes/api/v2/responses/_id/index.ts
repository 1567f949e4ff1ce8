import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { NotFoundError } from '#errors.js'
import { ResponseDeleted, ResponseIdParams, ResponseObject } from '#schemas/responses.js'
import { errorResponses } from '#schemas/error.js'

/** GET and DELETE /api/v2/responses/{id}: a response this key stored (404 for any other, or once it expired). */
const storedResponse: FastifyPluginAsyncTypebox = async (app) => {
  const notFound = (id: string): Error => new NotFoundError(`Response with id '${id}' not found.`)

  app.get('/', {
    config: { scope: 'chat', errorShape: 'openai' },
    schema: {
      tags: ['openai-compatible'],
      summary: 'Read a stored response (OpenAI Responses API)',
      security: [{ bearerAuth: [] }],
      params: ResponseIdParams,
      response: { 200: ResponseObject, ...errorResponses(400, 401, 404, 503) }
    }
  }, async (request, reply) => {
    const text = await app.conversations.get(request.params.id, request.principal?.id ?? 'anonymous')
    if (text === undefined) throw notFound(request.params.id)
    // stored as the client first got it: sent as text, never re-serialized
    return await reply.type('application/json; charset=utf-8').send(text as never)
  })

  app.delete('/', {
    config: { scope: 'chat', errorShape: 'openai' },
    schema: {
      tags: ['openai-compatible'],
      summary: 'Delete a stored response (OpenAI Responses API)',
      security: [{ bearerAuth: [] }],
      params: ResponseIdParams,
      response: { 200: ResponseDeleted, ...errorResponses(400, 401, 404, 503) }
    }
  }, async (request) => {
    const { id } = request.params
    if (!await app.conversations.delete(id, request.principal?.id ?? 'anonymous')) throw notFound(id)
    return { id, object: 'response' as const, deleted: true as const }
  })
}

export default storedResponse
