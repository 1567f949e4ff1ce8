import { UpstreamFailedError } from '#errors.js'
import type { ChatCompletion, UpstreamCall, Usage } from './types.js'

type Loose = Record<string, unknown>

function isObject (value: unknown): value is Loose {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** A token count a provider reported: a whole, non-negative, finite number. */
export function isCount (value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0
}

/**
 * The usage a provider reported, if it is one: counts that are not whole non-negative numbers (a string, -5, 1e308)
 * are no usage at all, so the call is metered as if none came (estimated), never with NaN or a negative charge.
 */
export function reportedUsage (usage: unknown): Usage | undefined {
  if (!isObject(usage) || !isCount(usage.prompt_tokens) || !isCount(usage.completion_tokens)) return undefined
  const sum = usage.prompt_tokens + usage.completion_tokens
  if (!Number.isSafeInteger(sum)) return undefined
  return isCount(usage.total_tokens) ? usage as unknown as Usage : { ...usage, total_tokens: sum } as unknown as Usage
}

function unreadable (call: UpstreamCall): Error {
  return new UpstreamFailedError(`Provider ${call.provider.id} sent an answer the gateway could not read.`)
}

function isToolCall (call: unknown): boolean {
  return isObject(call) && isObject(call.function) && typeof call.function.name === 'string'
}

/**
 * A non-streamed answer checked for what the gateway reads from it (the AIGNE and AI Kit formats are made from its
 * first choice): an object with a `choices` list, each message an object with text (or null) and well-formed tool
 * calls. Anything else is the provider's failure (502), not the gateway's (500). Unknown fields are fine.
 */
export function requireCompletion (value: unknown, call: UpstreamCall): ChatCompletion {
  const choices = isObject(value) ? value.choices : undefined
  const readable = Array.isArray(choices) && choices.every((choice) => {
    if (!isObject(choice)) return false
    const message = choice.message
    if (message === undefined) return true
    if (!isObject(message)) return false
    const content = message.content
    const toolCalls = message.tool_calls
    return (content === undefined || content === null || typeof content === 'string' || Array.isArray(content)) &&
      (toolCalls === undefined || toolCalls === null || (Array.isArray(toolCalls) && toolCalls.every(isToolCall)))
  })
  if (!readable) throw unreadable(call)
  return value as ChatCompletion
}

/** An embeddings or images answer: an object whose `data` list holds items the gateway can read. */
function requireData<T> (value: unknown, call: UpstreamCall, readable: (item: Loose) => boolean): T {
  const data = isObject(value) ? value.data : undefined
  if (!Array.isArray(data) || !data.every((item) => isObject(item) && readable(item))) throw unreadable(call)
  return value as T
}

/** Each item an embedding: a list of numbers, or base64 text (encoding_format: base64). */
export function requireEmbeddings<T> (value: unknown, call: UpstreamCall): T {
  return requireData<T>(value, call, (item) => typeof item.embedding === 'string' ||
    (Array.isArray(item.embedding) && item.embedding.every((n) => typeof n === 'number')))
}

/** Each item an image: base64 data or a URL. */
export function requireImages<T> (value: unknown, call: UpstreamCall): T {
  return requireData<T>(value, call, (item) => typeof item.b64_json === 'string' || typeof item.url === 'string')
}
