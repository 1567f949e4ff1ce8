import { assistantMessage, completionId, unixNow, usageOf, type FinishReason } from '../chunks.js'
import type { ChatCompletion, Usage } from '#upstream/types.js'
import { toFinishReason as anthropicFinishReason } from '../anthropic/response.js'

/** Converse's token counts: inputTokens are the prompt's uncached part; cache reads and writes are counted apart. */
export interface ConverseUsage {
  inputTokens?: number | null
  outputTokens?: number | null
  totalTokens?: number | null
  cacheReadInputTokens?: number | null
  cacheWriteInputTokens?: number | null
}

type OutputBlock =
  | { text: string }
  | { toolUse: { toolUseId: string, name: string, input: unknown } }
  | Record<string, unknown>

export interface ConverseResponse {
  output: { message: { role: string, content: OutputBlock[] } }
  stopReason: string
  usage: ConverseUsage
}

/** OpenAI's prompt_tokens include cache reads and writes; Converse's inputTokens do not. */
export function toUsage (u: ConverseUsage): Usage {
  const cacheRead = u.cacheReadInputTokens ?? 0
  const cacheWrite = u.cacheWriteInputTokens ?? 0
  return usageOf((u.inputTokens ?? 0) + cacheRead + cacheWrite, u.outputTokens ?? 0, {
    cached: u.cacheReadInputTokens != null ? cacheRead : undefined,
    cacheWrite
  })
}

/** Bedrock's stop reasons are Anthropic's (its Claude models') plus its own guardrail and filter ones. */
export function toFinishReason (stopReason: string | null | undefined): FinishReason {
  return stopReason === 'guardrail_intervened' || stopReason === 'content_filtered' ? 'content_filter' : anthropicFinishReason(stopReason)
}

function isText (block: OutputBlock): block is { text: string } {
  return typeof (block as { text?: unknown }).text === 'string'
}

function isToolUse (block: OutputBlock): block is { toolUse: { toolUseId: string, name: string, input: unknown } } {
  return typeof (block as { toolUse?: unknown }).toolUse === 'object'
}

/** A Converse answer (it names neither itself nor the model) → an OpenAI chat.completion; reasoning blocks are left out. */
export function toChatCompletion (response: ConverseResponse, model: string): ChatCompletion {
  const content = response.output.message.content
  const text = content.filter(isText).map((b) => b.text).join('')
  const toolCalls = content.filter(isToolUse).map(({ toolUse }) => ({
    id: toolUse.toolUseId, type: 'function' as const, function: { name: toolUse.name, arguments: JSON.stringify(toolUse.input ?? {}) }
  }))
  return {
    id: completionId(),
    object: 'chat.completion',
    created: unixNow(),
    model,
    choices: [{ index: 0, message: assistantMessage(text, toolCalls), logprobs: null, finish_reason: toFinishReason(response.stopReason) }],
    usage: toUsage(response.usage)
  }
}
