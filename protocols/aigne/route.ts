import type { FastifyRequest } from 'fastify'
import { requireModel } from '#gateway/request-context.js'
import { envelopeModel } from './chat.js'

/** Route config of the AIGNE and AI Kit families: the scope, and errors in the shape their clients read. */
export function aigneConfig (scope: 'chat' | 'embeddings' | 'images'): { scope: typeof scope, errorShape: 'aigne' } {
  return { scope, errorShape: 'aigne' }
}

/** The model an AIGNE envelope names, once the caller's key may use it (else the standard 401). */
export function allowedEnvelopeModel (request: FastifyRequest & { body: Parameters<typeof envelopeModel>[0] }): string {
  const model = envelopeModel(request.body)
  requireModel(request, model)
  return model
}
