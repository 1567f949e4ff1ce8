import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import {
  AccessKeyList, AccessKeyView, CreateAccessKeyBody, IdParams, IssuedAccessKey, AccessKeyListQuery, RotateAccessKeyBody,
  UpdateAccessKeyBody, type AccessKeyViewType
} from '#schemas/access-keys.js'
import { errorResponses } from '#schemas/error.js'
import { BadRequestError, NotFoundError } from '#errors.js'
import type { AccessKey } from '#store/access-keys.js'
import { keyStatus } from '#keys/access-keys.js'
import { limitsOf } from '#schemas/principal.js'
import { actorOf } from '#plugins/app/audit.js'

export function accessKeyView (key: AccessKey, now = new Date().toISOString()): AccessKeyViewType {
  return { ...key, status: keyStatus(key, now) }
}

/** Old and new values of the fields a PATCH set (the body's schema admits no secret), for the audit log. */
function changes (fields: string[], before: AccessKey, after: AccessKey): Record<string, unknown> {
  const pick = (key: AccessKey): Record<string, unknown> => Object.fromEntries(fields.map((f) => [f, (key as unknown as Record<string, unknown>)[f] ?? null]))
  return { changed: fields, before: pick(before), after: pick(after) }
}

const tags = ['admin: access keys']

const accessKeys: FastifyPluginAsyncTypebox = async (app) => {
  const found = (key: AccessKey | undefined, id: string): AccessKey => {
    if (key === undefined) throw new NotFoundError(`access key ${id} not found`)
    return key
  }

  app.post('/', {
    schema: {
      tags, summary: 'Issue an access key (the secret is in this response only)',
      body: CreateAccessKeyBody,
      response: { 201: IssuedAccessKey, ...errorResponses(400) }
    }
  }, async (request, reply) => {
    const creator = { createdBy: actorOf(request.principal), createdBySession: request.principal?.sessionId ?? null }
    const { key, secret } = await app.audited(request, async (store) => {
      const issued = await app.accessKeys.create({ ...request.body, ...creator }, store.accessKeys)
      const { key } = issued
      const limits = limitsOf(key)
      return { result: issued, audit: { action: 'access_key.created', targetType: 'access_key', targetId: key.id, details: { name: key.name, scopes: key.scopes, models: key.models, ...limits } } }
    })
    return reply.code(201).header('cache-control', 'no-store').send({ ...accessKeyView(key), key: secret })
  })

  app.get('/', {
    schema: { tags, summary: 'List access keys, newest first (never their secrets)', querystring: AccessKeyListQuery, response: { 200: AccessKeyList, ...errorResponses(400) } }
  }, async (request) => {
    const { items, total } = await app.accessKeys.list(request.query)
    const now = new Date().toISOString()
    return { items: items.map((k) => accessKeyView(k, now)), total }
  })

  app.get('/:id', {
    schema: { tags, summary: 'Get one access key', params: IdParams, response: { 200: AccessKeyView, ...errorResponses(404) } }
  }, async (request) => accessKeyView(found(await app.accessKeys.get(request.params.id), request.params.id)))

  app.patch('/:id', {
    schema: { tags, summary: 'Change name, scopes, models or expiry', params: IdParams, body: UpdateAccessKeyBody, response: { 200: AccessKeyView, ...errorResponses(400, 404) } }
  }, async (request) => {
    const { id } = request.params
    const key = await app.audited(request, async (store) => {
      const before = found(await store.accessKeys.findById(id), id)
      const after = found(await app.accessKeys.update(id, request.body, store.accessKeys), id)
      return { result: after, audit: { action: 'access_key.updated', targetType: 'access_key', targetId: id, details: changes(Object.keys(request.body), before, after) } }
    })
    return accessKeyView(key)
  })

  app.post('/:id/revoke', {
    schema: { tags, summary: 'Revoke: refused from the very next request', params: IdParams, response: { 200: AccessKeyView, ...errorResponses(404) } }
  }, async (request) => {
    const { id } = request.params
    const key = await app.audited(request, async (store) => ({
      result: found(await app.accessKeys.revoke(id, store.accessKeys), id),
      audit: { action: 'access_key.revoked', targetType: 'access_key', targetId: id }
    }))
    return accessKeyView(key)
  })

  app.post('/:id/rotate', {
    schema: {
      tags, summary: 'New secret for the same key; the old one stops at once or after graceSeconds',
      params: IdParams, body: RotateAccessKeyBody, response: { 200: IssuedAccessKey, ...errorResponses(400, 404, 409) }
    },
    // the body is optional: a bare POST rotates with no grace window
    preValidation: async (request) => { request.body ??= {} }
  }, async (request, reply) => {
    const { id } = request.params
    const graceSeconds = request.body.graceSeconds ?? 0
    const issued = await app.audited(request, async (store) => {
      const rotated = await app.accessKeys.rotate(id, graceSeconds, store.accessKeys)
      if (rotated === undefined) {
        found(await store.accessKeys.findById(id), id)
        throw new BadRequestError(`access key ${id} is revoked and cannot be rotated`)
      }
      return { result: rotated, audit: { action: 'access_key.rotated', targetType: 'access_key', targetId: id, details: { graceSeconds } } }
    })
    // the new secret is in this answer only: no browser or proxy cache may keep it
    return await reply.header('cache-control', 'no-store').send({ ...accessKeyView(issued.key), key: issued.secret })
  })
}

export default accessKeys
