import type { FastifyError, FastifyRequest } from 'fastify'
import { aigneErrorBody } from './aigne/errors.js'
import { openAIErrorBody } from './openai/errors.js'
import { anthropicErrorBody } from './anthropic/errors.js'

/** How a route's errors are written for its clients (401 excepted: it is always the seeds' exact body). */
export type ErrorShape = 'aigne' | 'openai' | 'anthropic'

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * 'aigne': the AIGNE or AI Kit families, whose clients show `error.message`: `{ error: { message, type }, message }`.
     * 'openai': the OpenAI-compatible routes: `{ error: { message, type, param, code }, message }`, what OpenAI's SDKs read.
     * 'anthropic': the Anthropic Messages routes: `{ type: 'error', error: { type, message } }` (protocols/anthropic/errors.ts).
     * A function picks per request (a URL serving two dialects). Unset: the standard `{ error, message }`.
     */
    errorShape?: ErrorShape | ((request: FastifyRequest) => ErrorShape)
  }
}

/** The error body for `request`: the standard `{ error, message }`, or the shape its route asks for. */
export function errorBodyFor (request: FastifyRequest, status: number, reason: string, message: string, err: Partial<FastifyError>): object {
  const configured = request.routeOptions.config?.errorShape
  const shape = typeof configured === 'function' ? configured(request) : configured
  if (shape === 'openai') return openAIErrorBody(status, message, err)
  if (shape === 'aigne') return aigneErrorBody(status, message, err)
  if (shape === 'anthropic') return anthropicErrorBody(status, message, err)
  return { error: reason, message }
}
