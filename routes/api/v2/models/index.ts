import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import { ModelNotFoundError } from '#errors.js'
import type { ModelInfo } from '#gateway/registry.js'
import { openAIErrorResponses } from '#schemas/openai-error.js'
import { Model, ModelList, ModelParams, type ModelType } from '#schemas/models.js'

const tags = ['openai-compatible']
const security = [{ bearerAuth: [] }]
const config = { errorShape: 'openai' as const }

/**
 * GET /api/v2/models (OpenAI list format): what the calling key may use, from the provider registry, and the
 * catalog aliases of those models (listed under the alias, owned by the aliased model's provider).
 */
const models: FastifyPluginAsyncTypebox = async (app) => {
  const visible = (request: FastifyRequest): ModelType[] => {
    const principal = request.principal
    if (principal === undefined || !principal.scopes.has('chat')) return []
    const listed = app.providers.registry.models().filter((m) => principal.allowsModel(m.id)).map(toOpenAI)
    const aliases = app.catalog.list()
      .filter((m) => m.enabled && principal.allowsModel(m.id))
      .flatMap((m) => m.aliases.map((alias): ModelType => ({ id: alias, object: 'model', created: 0, owned_by: m.provider })))
    return [...listed, ...aliases]
  }

  app.get('/', {
    config,
    schema: { tags, security, summary: 'List the models this key may use', response: { 200: ModelList, ...openAIErrorResponses(401, 503) } }
  }, async (request) => ({ object: 'list' as const, data: visible(request) }))

  app.get('/*', {
    config,
    schema: { tags, security, summary: 'Describe one model this key may use (`provider/model`, or an alias)', params: ModelParams, response: { 200: Model, ...openAIErrorResponses(401, 404, 503) } }
  }, async (request) => {
    const id = request.params['*']
    const found = visible(request).find((m) => m.id === id)
    if (found === undefined) throw new ModelNotFoundError(`Model "${id.slice(0, 256)}" is not available to this key.`)
    return found
  })
}

function toOpenAI (model: ModelInfo): ModelType {
  return { id: model.id, object: 'model', created: 0, owned_by: model.provider }
}

export default models
