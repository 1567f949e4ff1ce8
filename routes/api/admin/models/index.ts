import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { CatalogModelView, CreateCatalogModelBody, UpdateCatalogModelBody } from '#schemas/catalog.js'
import { errorResponses } from '#schemas/error.js'
import { ConflictError, NotFoundError } from '#errors.js'

const tags = ['admin: models']
// model ids contain "/", so single-model routes take the rest of the path
const WildcardParams = Type.Object({ '*': Type.String({ minLength: 3, maxLength: 200, description: 'the model id, e.g. openai/gpt-4o' }) })

const models: FastifyPluginAsyncTypebox = async (app) => {
  const mustExist = <T>(value: T | undefined, id: string): T => {
    if (value === undefined) throw new NotFoundError(`model ${id} is not in the catalog`)
    return value
  }

  app.get('/', {
    schema: { tags, summary: 'The model catalog with rates', response: { 200: Type.Object({ items: Type.Array(CatalogModelView) }) } }
  }, async () => ({ items: app.catalog.list().map((model) => ({ ...model, builtinPrice: app.catalog.hasBuiltinPrice(model.id) })) }))

  app.post('/', {
    schema: { tags, summary: 'Add a model (rates in credits per 1M tokens)', body: CreateCatalogModelBody, response: { 201: CatalogModelView, ...errorResponses(400, 409) } }
  }, async (request, reply) => {
    const created = await app.audited(request, async (store) => {
      const created = await app.catalog.create(request.body, store.models)
      if (created === undefined) throw new ConflictError(`model ${request.body.id} is already in the catalog`)
      return { result: created, audit: { action: 'model.created', targetType: 'model', targetId: created.id, details: { ...request.body } } }
    })
    app.catalog.remember(created)
    return reply.code(201).send(created)
  })

  app.get('/*', {
    schema: { tags, summary: 'One catalog model', params: WildcardParams, response: { 200: CatalogModelView, ...errorResponses(404) } }
  }, async (request) => mustExist(app.catalog.get(request.params['*']), request.params['*']))

  app.patch('/*', {
    schema: { tags, summary: 'Change rates, kind, upstream name, fallbacks or enable/disable', params: WildcardParams, body: UpdateCatalogModelBody, response: { 200: CatalogModelView, ...errorResponses(400, 404) } }
  }, async (request) => {
    const id = request.params['*']
    const updated = await app.audited(request, async (store) => ({
      result: mustExist(await app.catalog.update(id, request.body, store.models), id),
      audit: { action: 'model.updated', targetType: 'model', targetId: id, details: { ...request.body } }
    }))
    app.catalog.remember(updated)
    return updated
  })

  app.delete('/*', {
    schema: { tags, summary: 'Remove a model from the catalog', params: WildcardParams, response: { 204: Type.Null(), ...errorResponses(404) } }
  }, async (request, reply) => {
    const id = request.params['*']
    await app.audited(request, async (store) => {
      if (!await app.catalog.delete(id, store.models)) throw new NotFoundError(`model ${id} is not in the catalog`)
      return { result: undefined, audit: { action: 'model.deleted', targetType: 'model', targetId: id } }
    })
    app.catalog.forget(id)
    return reply.code(204).send(null)
  })
}

export default models
