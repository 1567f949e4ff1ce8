import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { NotFoundError } from '#errors.js'
import { ResponseDeleted, ResponseIdParams, ResponseObject } from '#schemas/responses.js'
import { errorResponses } from '#schemas/error.js'

/** GET and DELETE /api/v2/responses/{id}: a response this key stored (404 for any other, or once it expired). */
const storedResponse: FastifyPluginAsyncTypebox = async (app) => {
  const notFound = (id: string): Error => new NotFoundError(`Response with id '${id}' not found.`)
  const options = <T>(summary: string, answer: T) => ({
    config: { scope: 'chat' as const, errorShape: 'openai' as const },
    schema: {
      tags: ['openai-compatible'],
      summary,
      security: [{ bearerAuth: [] }],
      params: ResponseIdParams,
      response: { 200: answer, ...errorResponses(400, 401, 404, 503) }
    }
  })

  app.get('/', options('Read a stored response (OpenAI Responses API)', ResponseObject), async (request, reply) => {
    const text = await app.conversations.get(request.params.id, request.principal?.id ?? 'anonymous')
    if (text === undefined) throw notFound(request.params.id)
    // stored as the client first got it: sent as text, never re-serialized
    return await reply.type('application/json; charset=utf-8').send(text as never)
  })

  app.delete('/', options('Delete a stored response (OpenAI Responses API)', ResponseDeleted), async (request) => {
    const { id } = request.params
    if (!await app.conversations.delete(id, request.principal?.id ?? 'anonymous')) throw notFound(id)
    return { id, object: 'response' as const, deleted: true as const }
  })
}

export default storedResponse
