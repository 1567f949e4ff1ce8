import { UnsupportedRequestError } from '#errors.js'
import { isBudgeted, type Principal } from '#schemas/principal.js'
import type { ChatAdapter, ChatRequest, MessagesRequest } from '#upstream/types.js'
import type { ProviderRegistry, ResolvedModel } from './registry.js'
import { checkChatRequest, refuseUnpriceableFields, unpriceableMessagesField } from './validate.js'

/** How one chat-like call (Chat Completions, or Anthropic Messages passed through) is checked, resolved and admitted. */
export interface ChatPlan {
  /** The model as the client named it. */
  model: string
  /** Rules the schema cannot express, and what a budgeted key may not ask for; throws a 400. */
  check: () => void
  /** The requested model or a fallback, for this kind of call (throws when it cannot serve it). */
  resolve: (model: string) => ResolvedModel
  /** Bytes that bound the prompt's tokens (every token is at least one byte of the serialized prompt). */
  promptBytes: () => number
  /** The completion bound the caller set, per choice. */
  maxCompletionTokens: number | undefined
  choices?: number | undefined
  /** Caps the completion as admission asks (for a caller who set no bound). */
  cap: (tokens: number) => void
  /** The client asked for the call's cost in its usage (`stream_options.include_cost`). */
  includeCost?: boolean
}

const bytes = (value: unknown): number => value === undefined ? 0 : Buffer.byteLength(JSON.stringify(value))

export function chatPlan (request: ChatRequest, registry: ProviderRegistry, principal: Principal | undefined): ChatPlan {
  const { max_completion_tokens: maxCompletion, max_tokens: maxTokens } = request
  return {
    model: request.model,
    check: () => {
      checkChatRequest(request)
      if (principal !== undefined && isBudgeted(principal.limits)) refuseUnpriceableFields(request)
    },
    resolve: (id) => resolveChatModel(registry, id),
    promptBytes: () => bytes(request.messages) + bytes(request.tools ?? []),
    // both named: whichever the provider reads, the larger bounds it
    maxCompletionTokens: maxCompletion === undefined || maxTokens === undefined ? maxCompletion ?? maxTokens : Math.max(maxCompletion, maxTokens),
    choices: request.n,
    cap: (tokens) => { request.max_tokens = tokens },
    includeCost: request.stream_options?.include_cost === true
  }
}

/** A model whose provider has chat (Ideogram, an image API, has none). */
export function resolveChatModel (registry: ProviderRegistry, name: string): ResolvedModel {
  const resolved = registry.resolve(name)
  if (resolved.adapter.chat === undefined) {
    throw new UnsupportedRequestError(`Provider ${resolved.provider.id} has no chat API; its models serve other calls (images).`)
  }
  return resolved
}

/** The chat capability of a model resolved by resolveChatModel (which checked it is there). */
export function chatOf (model: ResolvedModel): ChatAdapter {
  return model.adapter.chat as ChatAdapter
}

/** A model whose provider speaks Anthropic's Messages API natively; anything else cannot serve a passed-through call. */
export function resolveMessagesModel (registry: ProviderRegistry, name: string): ResolvedModel {
  const resolved = registry.resolve(name)
  if (resolved.adapter.messages === undefined) {
    throw new UnsupportedRequestError(`Provider ${resolved.provider.id} does not speak Anthropic's Messages API natively.`)
  }
  return resolved
}

/** An Anthropic Messages request passed through: its body is the prompt (system, messages, tools), max_tokens its bound. */
export function messagesPlan (request: MessagesRequest, registry: ProviderRegistry, principal: Principal | undefined): ChatPlan {
  const { body } = request
  return {
    model: body.model,
    check: () => {
      if (principal !== undefined && isBudgeted(principal.limits)) refuseUnpriceableFields(unpriceableMessagesField(body))
    },
    resolve: (id) => resolveMessagesModel(registry, id),
    promptBytes: () => bytes(body.system) + bytes(body.messages) + bytes(body.tools),
    maxCompletionTokens: body.max_tokens,
    cap: (tokens) => { body.max_tokens = Math.min(body.max_tokens, tokens) }
  }
}

/** A Responses call in both forms: chat (any provider) and the Responses body for upstreams that serve it natively. */
export interface ResponsesCall {
  chat: ChatRequest
  native: Record<string, unknown>
}

/** An OpenAI Responses call: planned on its chat form; a budgeted key's native body is checked for unpriceable fields too. */
export function responsesPlan (call: ResponsesCall, registry: ProviderRegistry, principal: Principal | undefined): ChatPlan {
  const plan = chatPlan(call.chat, registry, principal)
  return {
    ...plan,
    check: () => {
      plan.check()
      if (principal !== undefined && isBudgeted(principal.limits)) refuseUnpriceableFields(call.native as unknown as ChatRequest)
    }
  }
}
