import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { errorResponses } from '#schemas/error.js'
import { ConnectionTestView, CreateProviderBody, ProviderParams, ProviderView, UpdateProviderBody, providerDocs } from '#schemas/providers.js'

/**
 * Upstream providers: environment ones listed read-only, store ones managed here (credentials: ./_id/credentials).
 * Each change commits with its audit line (or neither does); calls see it once committed (admin.reload).
 */
const providers: FastifyPluginAsyncTypebox = async (app) => {
  const admin = app.providerAdmin

  app.get('/', {
    schema: { ...providerDocs, summary: 'Every provider, from the environment (read-only) and the store', response: { 200: Type.Object({ items: Type.Array(ProviderView) }) } }
  }, async () => ({ items: await admin.list() }))

  app.post('/', {
    schema: { ...providerDocs, summary: 'Add a provider (then add its credentials)', body: CreateProviderBody, response: { 201: ProviderView, ...errorResponses(400, 409) } }
  }, async (request, reply) => {
    await admin.checkBaseUrl(request.body.baseUrl)
    const created = await app.audited(request, async (store) => {
      const created = await admin.create(request.body, store.providers)
      return { result: created, audit: { action: 'provider.created', targetType: 'provider', targetId: created.id, details: { ...request.body } } }
    })
    await admin.reload()
    return reply.code(201).send(created)
  })

  app.get('/:id', {
    schema: { ...providerDocs, summary: 'One provider', params: ProviderParams, response: { 200: ProviderView, ...errorResponses(400, 404) } }
  }, async (request) => await admin.get(request.params.id))

  app.patch('/:id', {
    schema: {
      ...providerDocs,
      summary: 'Change a store provider (environment ones answer 409)',
      description: 'A baseUrl with another origin (scheme, host or port) deletes the provider\'s credentials: add them again for the new origin.',
      params: ProviderParams,
      body: UpdateProviderBody,
      response: { 200: ProviderView, ...errorResponses(400, 404, 409) }
    }
  }, async (request) => {
    await admin.checkBaseUrl(request.body.baseUrl)
    const updated = await app.audited(request, async (store) => {
      const updated = await admin.update(request.params.id, request.body, store.providers)
      return { result: updated, audit: { action: 'provider.updated', targetType: 'provider', targetId: updated.id, details: { ...request.body } } }
    })
    await admin.reload()
    return updated
  })

  for (const [verb, enabled] of [['enable', true], ['disable', false]] as const) {
    app.post(`/:id/${verb}`, {
      schema: { ...providerDocs, summary: `${verb === 'enable' ? 'Enable' : 'Disable'} a store provider`, params: ProviderParams, response: { 200: ProviderView, ...errorResponses(400, 404, 409) } }
    }, async (request) => {
      const updated = await app.audited(request, async (store) => {
        const updated = await admin.update(request.params.id, { enabled }, store.providers)
        return { result: updated, audit: { action: `provider.${verb}d`, targetType: 'provider', targetId: updated.id } }
      })
      await admin.reload()
      return updated
    })
  }

  app.delete('/:id', {
    schema: { ...providerDocs, summary: 'Remove a store provider and its credentials', params: ProviderParams, response: { 204: Type.Null(), ...errorResponses(400, 404, 409) } }
  }, async (request, reply) => {
    await app.audited(request, async (store) => {
      await admin.delete(request.params.id, store.providers)
      return { result: undefined, audit: { action: 'provider.deleted', targetType: 'provider', targetId: request.params.id } }
    })
    await admin.reload()
    return reply.code(204).send(null)
  })

  app.post('/:id/test', {
    schema: {
      ...providerDocs,
      summary: 'Test the connection: the cheapest authenticated request with the provider\'s credential, generating nothing',
      description: 'The models list for OpenAI-compatible, Anthropic and Gemini providers; for Bedrock a SigV4-signed Converse without messages (ok on 400 ValidationException: the credential was accepted); for Ideogram a generate request without a prompt (ok on 400/422). Reports ok, the upstream status, latency and a message; never the credential nor the upstream\'s answer. An unreachable or refusing upstream is reported with ok: false, not as an error status; a disabled provider answers 409.',
      params: ProviderParams,
      response: { 200: ConnectionTestView, ...errorResponses(400, 404, 409) }
    }
  }, async (request) => {
    const result = await admin.test(request.params.id)
    await app.audit(request, { action: 'provider.tested', targetType: 'provider', targetId: request.params.id, details: { ok: result.ok, status: result.status } })
    return result
  })
}

export default providers
