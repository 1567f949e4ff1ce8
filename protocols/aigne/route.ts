import type { FastifyRequest } from 'fastify'
import { allowedModel } from '#gateway/request-context.js'
import type { CallKind, ModelNames } from '#gateway/model-names.js'
import { envelopeModel } from './chat.js'

/** Route config of the AIGNE and AI Kit families: the scope, and errors in the shape their clients read. */
export function aigneConfig (scope: 'chat' | 'embeddings' | 'images' | 'video'): { scope: typeof scope, errorShape: 'aigne' } {
  return { scope, errorShape: 'aigne' }
}

/** The `provider/model` an AIGNE envelope names (bare names resolved), once the caller's key may use it (else the standard 401). */
export function allowedEnvelopeModel (request: FastifyRequest & { body: Parameters<typeof envelopeModel>[0] }, names: ModelNames, kind: CallKind): string {
  return allowedModel(request, names, envelopeModel(request.body), kind)
}
