import type { FastifyReply, FastifyRequest } from 'fastify'
import { UnauthorizedError } from '#errors.js'
import { ClientSignal } from '#upstream/client-signal.js'
import { CallTiming } from './call-timing.js'
import { COST_HEADER, INCLUDE_COST_HEADER } from './answer-cost.js'
import type { ChatContext } from './service.js'
import type { CallKind, ModelNames } from './model-names.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** Set when the request calls a model (chatContext below); feeds Server-Timing (plugins/app/server-timing.ts). */
    callTiming?: CallTiming
  }
}

/** The header AIGNE clients name their app with (`@aigne/aigne-hub` sends it on every call: the app's DID, or `@aigne/aigne-hub:<host>`). */
export const CLIENT_APP_HEADER = 'x-aigne-hub-client-did'
/** Longest app id kept; a longer one is ignored like any other invalid one. */
export const APP_MAX_LENGTH = 128
/** DIDs (`did:abt:z…`, bare `z…`) and the client's own `@aigne/aigne-hub:<host>`: nothing a log, CSV or label could be fooled by. */
const APP_PATTERN = /^[A-Za-z0-9:._@/-]+$/

/**
 * The calling app a request names in CLIENT_APP_HEADER, as usage records and per-app limits see it: '' when the header
 * is absent, repeated, longer than APP_MAX_LENGTH or outside the charset. An invalid one is ignored rather than
 * refused: the app is for attribution, and a call without it counts as app '' (under the key's per-app limit too).
 */
export function clientApp (request: FastifyRequest): string {
  const value = request.headers[CLIENT_APP_HEADER]
  return typeof value === 'string' && value.length <= APP_MAX_LENGTH && APP_PATTERN.test(value) ? value : ''
}

/** Throws the standard 401 unless the authenticated caller may use `model`. */
export function requireModel (request: FastifyRequest, model: string): void {
  if (request.principal?.allowsModel(model) !== true) throw new UnauthorizedError()
}

/**
 * The `provider/model` a client's model name stands for (a bare name or catalog alias resolved: gateway/model-names.ts),
 * once the caller's key may use it (else the standard 401): the key's model patterns see the model actually called.
 */
export function allowedModel (request: FastifyRequest, names: ModelNames, name: string, kind: CallKind): string {
  const model = names.qualify(name, kind)
  requireModel(request, model)
  return model
}

/** The timing record of `request`'s model call, created on first use. */
export function callTimingFor (request: FastifyRequest): CallTiming {
  request.callTiming ??= new CallTiming()
  return request.callTiming
}

/**
 * The context of a model call made for `request`: who is calling, and a signal that aborts when the
 * client disconnects before the answer is complete (so the upstream request stops too).
 */
export function chatContext (request: FastifyRequest, reply: FastifyReply): ChatContext {
  const signal = new ClientSignal()
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) signal.abort()
  })
  return {
    requestId: request.id,
    principalId: request.principal?.id ?? 'anonymous',
    principal: request.principal,
    app: clientApp(request),
    signal,
    timing: callTimingFor(request),
    includeCost: String(request.headers[INCLUDE_COST_HEADER]).toLowerCase() === 'true',
    reportCost: (credits) => { reply.header(COST_HEADER, String(credits)) }
  }
}
