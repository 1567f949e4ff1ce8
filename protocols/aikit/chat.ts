import type { ChatMessageType, ContentPartType, ToolCallType } from '#schemas/chat.js'
import { ChatCompletionRequest } from '#schemas/chat.js'
import type { LegacyChatRequestType, LegacyChatResponseType, LegacyMessageType, LegacyToolCallType, LegacyUsageType } from '#schemas/legacy.js'
import { sseData } from '#upstream/sse.js'
import type { StreamFormat } from '#upstream/stream-body.js'
import type { ChatChunk, ChatRequest, Usage } from '#upstream/types.js'
import { ChunkAccumulator, type ChatSummary } from '../chat-summary.js'
import { BadRequestError } from '#errors.js'
import { chatCredits, type ModelRates } from '#catalog/call-cost.js'
import { definedOnly, requireValid } from '../translated-check.js'

/*
 * The V1 / legacy AI Kit chat format ↔ the internal (OpenAI) request and answer. Requests are camelCase
 * (snake_case aliases accepted); answers are `{role, text, content, toolCalls}` or AI Kit event streams.
 */

/** Vendors of bare model names that older clients send without a provider (first match wins). */
const VENDORS: Array<[RegExp, string]> = [
  [/^(gemini|imagen|text-embedding-004)/, 'gemini'],
  [/^(gpt-|chatgpt-|o\d|dall-e|text-embedding-|davinci|babbage)/, 'openai'],
  [/^claude/, 'anthropic'],
  [/^deepseek/, 'deepseek'],
  [/^grok/, 'xai']
]

/** `provider/model` for a legacy model name: kept when qualified, else the evident vendor is prefixed. */
export function qualifiedModel (name: string): string {
  if (name.includes('/')) return name
  const vendor = VENDORS.find(([pattern]) => pattern.test(name))?.[1]
  if (vendor === undefined) throw new BadRequestError(`body/model "${name}" must be named "provider/model", e.g. "openai/gpt-4o-mini"`)
  return `${vendor}/${name}`
}

function toPart (part: Exclude<LegacyMessageType['content'], string | null | undefined>[number]): ContentPartType {
  if (part.type === 'text') return { type: 'text', text: part.text }
  return { type: 'image_url', image_url: { url: (part.imageUrl ?? part.image_url)?.url as string } }
}

function toMessage (message: LegacyMessageType): ChatMessageType {
  const content = message.content
  return {
    role: message.role,
    content: typeof content === 'string' || content == null ? (content ?? null) : content.map(toPart),
    ...definedOnly({
      name: message.name ?? undefined,
      tool_calls: (message.toolCalls ?? message.tool_calls)?.map(({ id, type, function: fn }) => ({ id, type, function: { name: fn.name, arguments: fn.arguments } })),
      tool_call_id: message.toolCallId ?? message.tool_call_id ?? undefined
    })
  }
}

function responseFormat (format: LegacyChatRequestType['responseFormat']): ChatRequest['response_format'] {
  if (format == null) return undefined
  if (format.type !== 'json_schema') return { type: format.type }
  const schema = format.jsonSchema
  if (schema === undefined) throw new BadRequestError('body/responseFormat/jsonSchema is required with type json_schema')
  return { type: 'json_schema', json_schema: { name: schema.name, schema: schema.schema, ...definedOnly({ description: schema.description ?? undefined, strict: schema.strict ?? undefined }) } }
}

export function legacyToChatRequest (body: LegacyChatRequestType, model: string): ChatRequest {
  if ((body.prompt === undefined) === (body.messages === undefined)) {
    throw new BadRequestError('body must have exactly one of "prompt" and "messages"')
  }
  const messages = body.prompt !== undefined ? [{ role: 'user' as const, content: body.prompt }] : (body.messages ?? []).map(toMessage)
  const tools = (body.tools ?? []).map(({ function: fn }) => ({
    type: 'function' as const,
    function: { name: fn.name, ...definedOnly({ description: fn.description ?? undefined, parameters: fn.parameters }) }
  }))
  const choice = body.toolChoice ?? undefined
  return requireValid<ChatRequest>(ChatCompletionRequest, {
    model,
    messages,
    ...definedOnly({
      temperature: body.temperature ?? undefined,
      top_p: body.topP ?? undefined,
      presence_penalty: body.presencePenalty ?? undefined,
      frequency_penalty: body.frequencyPenalty ?? undefined,
      max_tokens: body.maxTokens ?? undefined,
      response_format: responseFormat(body.responseFormat)
    }),
    // OpenAI refuses tool options without tools
    ...(tools.length > 0
      ? definedOnly({ tools, tool_choice: typeof choice === 'object' ? { type: 'function' as const, function: { name: choice.function.name } } : choice })
      : {})
  }, 'body, as a chat request,')
}

export function legacyUsage (usage: Usage | undefined, price: ModelRates | undefined): LegacyUsageType | undefined {
  if (usage === undefined) return undefined
  return {
    promptTokens: usage.prompt_tokens,
    completionTokens: usage.completion_tokens,
    totalTokens: usage.total_tokens,
    ...(price !== undefined ? { aigneHubCredits: chatCredits(price, usage) ?? 0 } : {})
  }
}

/** Complete tool calls as AI Kit clients know them (only the standard fields). */
function legacyToolCalls (calls: ToolCallType[]): LegacyToolCallType[] {
  return calls.map(({ id, function: fn }) => ({ id, type: 'function', function: { name: fn.name, arguments: fn.arguments } }))
}

export function legacyResponse (summary: ChatSummary, price: ModelRates | undefined): LegacyChatResponseType {
  const usage = legacyUsage(summary.usage, price)
  return {
    role: 'assistant',
    text: summary.text,
    content: summary.text,
    ...(summary.toolCalls.length > 0 ? { toolCalls: legacyToolCalls(summary.toolCalls) } : {}),
    ...(usage !== undefined ? { usage } : {})
  }
}

const data = (value: object): string => sseData(JSON.stringify(value))

/**
 * The AI Kit event stream: text deltas as they arrive, complete tool calls once known (AI Kit clients
 * treat each toolCalls entry as a whole call), then usage. No `[DONE]`; a failure is `data: {"error":…}`.
 */
export function legacyEventFormat (price: ModelRates | undefined, describe: (err: unknown) => { message: string, type: string }): StreamFormat {
  const accumulator = new ChunkAccumulator()
  return {
    open: () => '',
    chunk (chunk) {
      const { role, text } = accumulator.add(chunk)
      return role !== undefined || text !== '' ? data({ delta: { ...(role !== undefined ? { role } : {}), ...(text !== '' ? { content: text } : {}) } }) : ''
    },
    close () {
      const summary = accumulator.summary()
      let out = summary.toolCalls.length > 0 ? data({ delta: { toolCalls: legacyToolCalls(summary.toolCalls) } }) : ''
      const usage = legacyUsage(summary.usage, price)
      if (usage !== undefined) out += data({ usage })
      return out
    },
    fail: (err) => data({ error: describe(err) })
  }
}

/** "stream": true without an event-stream Accept header: the bare text in pieces, a failure as `ERROR: …`. */
export function legacyTextFormat (describe: (err: unknown) => string): StreamFormat {
  const accumulator = new ChunkAccumulator()
  return {
    open: () => '',
    chunk: (chunk) => accumulator.add(chunk).text,
    close: () => '',
    fail: (err) => `ERROR: ${describe(err)}`
  }
}
