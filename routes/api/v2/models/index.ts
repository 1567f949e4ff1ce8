import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import { NotFoundError } from '#errors.js'
import type { ModelInfo } from '#gateway/registry.js'
import { errorResponses } from '#schemas/error.js'
import { Model, ModelList, ModelParams, type ModelType } from '#schemas/models.js'

const tags = ['openai-compatible']
const security = [{ bearerAuth: [] }]

/** GET /api/v2/models (OpenAI list format): what the calling key may use, from the provider registry. */
const models: FastifyPluginAsyncTypebox = async (app) => {
  const visible = (request: FastifyRequest): ModelType[] => {
    const principal = request.principal
    if (principal === undefined || !principal.scopes.has('chat')) return []
    return app.providers.registry.models().filter((m) => principal.allowsModel(m.id)).map(toOpenAI)
  }

  app.get('/', {
    schema: { tags, security, summary: 'List the models this key may use', response: { 200: ModelList, ...errorResponses(401, 503) } }
  }, async (request) => ({ object: 'list' as const, data: visible(request) }))

  app.get('/*', {
    schema: { tags, security, summary: 'Describe one model this key may use', params: ModelParams, response: { 200: Model, ...errorResponses(401, 404, 503) } }
  }, async (request) => {
    const id = request.params['*']
    const found = visible(request).find((m) => m.id === id)
    if (found === undefined) throw new NotFoundError(`Model "${id}" is not available to this key.`)
    return found
  })
}

function toOpenAI (model: ModelInfo): ModelType {
  return { id: model.id, object: 'model', created: 0, owned_by: model.provider }
}

export default models
