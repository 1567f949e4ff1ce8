import { randomBytes } from 'node:crypto'
import type { AnthropicUsageType, MessagesResponseType } from '#schemas/anthropic.js'
import type { ChatCompletion, Usage } from '#upstream/types.js'

/** A chat answer's finish reason as Anthropic's stop_reason (OpenAI's "stop" does not say whether a stop sequence ended it). */
export function stopReason (finish: string | null | undefined): string {
  switch (finish) {
    case 'length': return 'max_tokens'
    case 'tool_calls':
    case 'function_call': return 'tool_use'
    case 'content_filter': return 'refusal'
    default: return 'end_turn'
  }
}

/** Internal usage → Anthropic's: input_tokens leave out cache reads and writes, which have their own fields. */
export function anthropicUsage (usage: Usage | undefined): AnthropicUsageType {
  const details = (usage?.prompt_tokens_details ?? {}) as Record<string, unknown>
  const count = (value: unknown): number => typeof value === 'number' && value > 0 ? value : 0
  const cacheRead = count(details.cached_tokens)
  const cacheWrite = count(details.cache_write_tokens) + count(details.cache_write_1h_tokens)
  return {
    input_tokens: Math.max(0, count(usage?.prompt_tokens) - cacheRead - cacheWrite),
    output_tokens: count(usage?.completion_tokens),
    cache_creation_input_tokens: cacheWrite,
    cache_read_input_tokens: cacheRead
  }
}

export function messageId (completionId?: string): string {
  return `msg_${completionId?.replace(/^chatcmpl-/, '') ?? randomBytes(12).toString('base64url')}`
}

/** Tool arguments as the object Anthropic's tool_use carries (arguments that are not a JSON object become {}). */
export function toolInput (args: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(args === '' ? '{}' : args)
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? parsed as Record<string, unknown> : {}
  } catch {
    return {}
  }
}

/** A translated provider's chat answer as an Anthropic message; `model` is the name the client used. */
export function toMessage (completion: ChatCompletion, usage: Usage | undefined, model: string): MessagesResponseType {
  const choice = completion.choices[0]
  const content: Array<{ type: string } & Record<string, unknown>> = []
  const text = choice?.message.content
  if (typeof text === 'string' && text !== '') content.push({ type: 'text', text })
  for (const call of choice?.message.tool_calls ?? []) {
    content.push({ type: 'tool_use', id: call.id, name: call.function.name, input: toolInput(call.function.arguments) })
  }
  return {
    id: messageId(completion.id),
    type: 'message',
    role: 'assistant',
    model,
    content,
    stop_reason: stopReason(choice?.finish_reason),
    stop_sequence: null,
    usage: anthropicUsage(usage ?? completion.usage)
  }
}
