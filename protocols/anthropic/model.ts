import type { FastifyRequest } from 'fastify'
import { ModelNotFoundError } from '#errors.js'
import type { ModelNames } from '#gateway/model-names.js'
import { allowedModel, requireModel } from '#gateway/request-context.js'

/**
 * The `provider/model` an Anthropic client means, once the caller's key may use it. Names resolve as on every route
 * (gateway/model-names.ts: `provider/model`, catalog aliases, providers' model lists); Claude Code and the SDK's
 * examples also name bare Claude models (`claude-sonnet-4-5`) that no list holds when the anthropic provider takes any
 * model name ("*"), so a bare `claude-*` name nothing else claims is anthropic's.
 */
export function messagesModel (request: FastifyRequest, names: ModelNames, name: string): string {
  try {
    return allowedModel(request, names, name, 'chat')
  } catch (err) {
    if (!(err instanceof ModelNotFoundError) || !name.startsWith('claude-')) throw err
    const model = `anthropic/${name}`
    requireModel(request, model)
    return model
  }
}
