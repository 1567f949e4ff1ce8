import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { errorResponses } from '#schemas/error.js'
import { CreateCredentialBody, CredentialParams, CredentialView, ProviderParams, UpdateCredentialBody, providerDocs } from '#schemas/providers.js'

/** A store provider's credentials: encrypted at rest, shown masked with their health, never returned; changes are audited atomically. */
const credentials: FastifyPluginAsyncTypebox = async (app) => {
  const admin = app.providerAdmin

  app.get('/', {
    schema: { ...providerDocs, summary: 'A provider\'s credentials (masked) and their health', params: ProviderParams, response: { 200: Type.Object({ items: Type.Array(CredentialView) }), ...errorResponses(400, 404, 409) } }
  }, async (request) => ({ items: await admin.credentials(request.params.id) }))

  app.post('/', {
    schema: { ...providerDocs, summary: 'Add a credential (stored encrypted; calls spread over credentials by weight)', params: ProviderParams, body: CreateCredentialBody, response: { 201: CredentialView, ...errorResponses(400, 404, 409) } }
  }, async (request, reply) => {
    const created = await app.audited(request, async (store) => {
      const created = await admin.addCredential(request.params.id, request.body, store.providers)
      return { result: created, audit: { action: 'provider.credential.created', targetType: 'provider', targetId: request.params.id, details: { credentialId: created.id, label: created.label, weight: created.weight } } }
    })
    await admin.reload()
    return reply.code(201).send(created)
  })

  app.patch('/:credentialId', {
    schema: { ...providerDocs, summary: 'Change label, weight or secret; enabled: true puts a disabled or cooling credential back', params: CredentialParams, body: UpdateCredentialBody, response: { 200: CredentialView, ...errorResponses(400, 404, 409) } }
  }, async (request) => {
    const { id, credentialId } = request.params
    const { secret, ...details } = request.body
    const updated = await app.audited(request, async (store) => ({
      result: await admin.updateCredential(id, credentialId, request.body, store.providers),
      audit: { action: 'provider.credential.updated', targetType: 'provider', targetId: id, details: { credentialId, ...details, secretChanged: secret !== undefined } }
    }))
    await admin.reload()
    return updated
  })

  app.delete('/:credentialId', {
    schema: { ...providerDocs, summary: 'Remove a credential', params: CredentialParams, response: { 204: Type.Null(), ...errorResponses(400, 404, 409) } }
  }, async (request, reply) => {
    const { id, credentialId } = request.params
    await app.audited(request, async (store) => {
      await admin.deleteCredential(id, credentialId, store.providers)
      return { result: undefined, audit: { action: 'provider.credential.deleted', targetType: 'provider', targetId: id, details: { credentialId } } }
    })
    await admin.reload()
    return reply.code(204).send(null)
  })
}

export default credentials
