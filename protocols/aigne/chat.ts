import type { ChatMessageType, ContentPartType, ToolCallType, ToolDefinitionType } from '#schemas/chat.js'
import { ChatCompletionRequest } from '#schemas/chat.js'
import type { AigneChatInputType, AigneMessageType, AigneToolCallType, AigneToolType } from '#schemas/aigne.js'
import type { ChatRequest } from '#upstream/types.js'
import { BadRequestError } from '#errors.js'
import { definedOnly, requireValid } from '../translated-check.js'

/*
 * AIGNE chat input → the internal (OpenAI Chat Completions) request. Roles: agent → assistant; tool-call
 * arguments: object → JSON text; responseFormat json_schema → response_format json_schema; modelOptions
 * camelCase → snake_case. Options the internal request has no field for (cacheConfig, modalities) are dropped.
 */

const ROLES = { system: 'system', user: 'user', agent: 'assistant', tool: 'tool' } as const

/** The model of an AIGNE envelope: `input.modelOptions.model`, or the top-level `model` older clients sent. */
export function envelopeModel (body: { model?: string | undefined, input: { modelOptions?: { model?: unknown } | undefined } }): string {
  const model = body.input.modelOptions?.model ?? body.model
  if (typeof model !== 'string') throw new BadRequestError('body/input/modelOptions/model is required: name the model "provider/model", e.g. "openai/gpt-4o-mini"')
  return model
}

function toPart (part: Exclude<AigneMessageType['content'], string | null | undefined>[number]): ContentPartType {
  switch (part.type) {
    case 'text': return { type: 'text', text: part.text }
    case 'url': return { type: 'image_url', image_url: { url: part.url } }
    // without a MIME type the provider is told what it is not, and refuses clearly rather than guessing
    case 'file': return { type: 'image_url', image_url: { url: `data:${part.mimeType ?? 'application/octet-stream'};base64,${part.data}` } }
  }
}

/** AIGNE tool call → OpenAI's; a Gemini thought signature rides in metadata one way and extra_content the other. */
export function toOpenAIToolCall (call: AigneToolCallType): ToolCallType {
  const signature = (call.metadata as { thoughtSignature?: unknown } | undefined)?.thoughtSignature
  return {
    id: call.id,
    type: 'function',
    function: { name: call.function.name, arguments: JSON.stringify(call.function.arguments) },
    ...(typeof signature === 'string' ? { extra_content: { google: { thought_signature: signature } } } : {})
  }
}

export function toAigneToolCall (call: ToolCallType): AigneToolCallType {
  const signature = (call as { extra_content?: { google?: { thought_signature?: unknown } } }).extra_content?.google?.thought_signature
  return {
    id: call.id,
    type: 'function',
    function: { name: call.function.name, arguments: parseArguments(call.function.arguments) },
    ...(typeof signature === 'string' ? { metadata: { thoughtSignature: signature } } : {})
  }
}

/** Arguments JSON text → object; a model that wrote no valid object gets {} (the client checks it against the tool's schema). */
function parseArguments (text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text === '' ? '{}' : text)
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? value as Record<string, unknown> : {}
  } catch {
    return {}
  }
}

function toMessage (message: AigneMessageType): ChatMessageType {
  const content = message.content
  return {
    role: ROLES[message.role],
    content: typeof content === 'string' || content == null ? (content ?? null) : content.map(toPart),
    ...definedOnly({
      name: message.name,
      tool_calls: message.toolCalls?.map(toOpenAIToolCall),
      tool_call_id: message.toolCallId
    })
  }
}

function toTool (tool: AigneToolType): ToolDefinitionType {
  const { name, description, parameters } = tool.function
  return { type: 'function', function: { name, ...definedOnly({ description, parameters }) } }
}

export function toChatRequest (input: AigneChatInputType, model: string): ChatRequest {
  const options = input.modelOptions ?? {}
  const tools = input.tools?.map(toTool) ?? []
  const choice = input.toolChoice
  const format = input.responseFormat
  const request = {
    model,
    messages: input.messages.map(toMessage),
    ...definedOnly({
      temperature: options.temperature,
      top_p: options.topP,
      frequency_penalty: options.frequencyPenalty,
      presence_penalty: options.presencePenalty,
      max_tokens: options.maxTokens,
      // a numeric effort (a token budget) has no OpenAI equivalent
      reasoning_effort: typeof options.reasoningEffort === 'string' ? options.reasoningEffort : undefined
    }),
    // OpenAI refuses tool options without tools
    ...(tools.length > 0
      ? definedOnly({
        tools,
        parallel_tool_calls: options.parallelToolCalls,
        tool_choice: typeof choice === 'object' ? { type: 'function' as const, function: { name: choice.function.name } } : choice
      })
      : {}),
    ...(format?.type === 'json_schema'
      ? { response_format: { type: 'json_schema' as const, json_schema: { name: format.jsonSchema.name, schema: format.jsonSchema.schema, ...definedOnly({ description: format.jsonSchema.description, strict: format.jsonSchema.strict }) } } }
      : {})
  }
  return requireValid<ChatRequest>(ChatCompletionRequest, request, 'input, as a chat request,')
}
