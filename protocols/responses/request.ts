import type { ChatMessageType, ContentPartType as ChatPart, ToolCallType } from '#schemas/chat.js'
import type { ContentPartType, InputItemType, MessageItemType, ResponsesRequestType } from '#schemas/responses.js'
import type { ChatRequest } from '#upstream/types.js'
import { BadRequestError } from '#errors.js'

/*
 * Responses request → the internal (OpenAI Chat Completions) request, for providers that do not speak Responses:
 * instructions → a system message first; message items → messages (input_text / output_text → text parts, input_image →
 * image_url parts); function_call items → the assistant message's tool_calls; function_call_output → tool messages;
 * reasoning items are left out (only their own provider can read them). Function tools, tool_choice, text.format,
 * max_output_tokens, temperature, top_p, parallel_tool_calls and user carry over; the rest applies to OpenAI only.
 * Item references are resolved before (protocols/responses/conversation.ts): `items` holds only concrete items.
 */

/** Every item of the conversation as the model must see it: the stored history, then this request's input. */
export function inputItems (input: ResponsesRequestType['input']): InputItemType[] {
  return typeof input === 'string' ? [{ role: 'user', content: input }] : input
}

function partText (part: ContentPartType): string | undefined {
  if (part.type === 'input_text' || part.type === 'output_text') return part.text
  if (part.type === 'refusal') return part.refusal
  return undefined
}

function toChatPart (part: ContentPartType, where: string): ChatPart {
  if (part.type !== 'input_image') return { type: 'text', text: partText(part) ?? '' }
  if (typeof part.image_url !== 'string') throw new BadRequestError(`${where}: only input_image parts with an image_url are supported (the gateway keeps no files)`)
  return { type: 'image_url', image_url: { url: part.image_url, ...(part.detail !== undefined ? { detail: part.detail } : {}) } }
}

function messageOf (item: MessageItemType, where: string): ChatMessageType {
  const { role, content } = item
  if (typeof content === 'string') return { role, content }
  const parts = content.map((part, i) => toChatPart(part, `${where}/content/${i}`))
  // only user messages may carry images; the others are plain text
  if (role === 'user') return { role, content: parts }
  return { role, content: parts.map((p) => p.type === 'text' ? p.text : '').join('') }
}

function outputText (output: Extract<InputItemType, { type: 'function_call_output' }>['output']): string {
  if (typeof output === 'string') return output
  return output.map((part) => part.type === 'input_text' ? part.text : '').join('')
}

/** The conversation as chat messages; `where` names each item for error messages. */
export function toChatMessages (instructions: string | null | undefined, items: InputItemType[], where: (i: number) => string): ChatMessageType[] {
  const messages: ChatMessageType[] = []
  if (typeof instructions === 'string' && instructions !== '') messages.push({ role: 'system', content: instructions })
  items.forEach((item, i) => {
    if (item.type === 'reasoning') return
    if (item.type === 'item_reference') throw new BadRequestError(`${where(i)}: item_reference ${item.id} was not resolved`)
    if (item.type === 'function_call') {
      const call: ToolCallType = { id: item.call_id, type: 'function', function: { name: item.name, arguments: item.arguments } }
      const last = messages.at(-1)
      // parallel calls answer as one assistant message, after its text if any
      if (last?.role === 'assistant') last.tool_calls = [...(last.tool_calls ?? []), call]
      else messages.push({ role: 'assistant', content: null, tool_calls: [call] })
      return
    }
    if (item.type === 'function_call_output') {
      messages.push({ role: 'tool', tool_call_id: item.call_id, content: outputText(item.output) })
      return
    }
    messages.push(messageOf(item, where(i)))
  })
  return messages
}

function toolChoiceOf (choice: ResponsesRequestType['tool_choice']): ChatRequest['tool_choice'] {
  if (choice === undefined || typeof choice === 'string') return choice
  return { type: 'function', function: { name: choice.name } }
}

function responseFormatOf (format: NonNullable<ResponsesRequestType['text']>['format']): ChatRequest['response_format'] {
  if (format === undefined || format.type !== 'json_schema') return format
  const { name, schema, description, strict } = format
  return { type: 'json_schema', json_schema: { name, schema, ...(description !== undefined ? { description } : {}), ...(strict !== undefined ? { strict } : {}) } }
}

/** Copies the defined (non-null) values of `source` into `target`. */
function assignDefined (target: Record<string, unknown>, source: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(source)) if (value !== undefined && value !== null) target[key] = value
}

/**
 * The chat request that asks the same of a chat provider. `history` is the stored conversation before this call
 * (previous_response_id), already free of references. Throws a 400 for input no chat provider can take.
 */
export function toChatRequest (request: ResponsesRequestType, history: InputItemType[], input: InputItemType[]): ChatRequest {
  const offset = history.length
  const messages = toChatMessages(request.instructions, [...history, ...input],
    (i) => i < offset ? `previous_response_id item ${i}` : typeof request.input === 'string' ? 'body/input' : `body/input/${i - offset}`)
  if (messages.length === 0) throw new BadRequestError('body/input: give at least one message (or instructions)')
  const chat: ChatRequest = { model: request.model, messages }
  assignDefined(chat as unknown as Record<string, unknown>, {
    temperature: request.temperature,
    top_p: request.top_p,
    max_completion_tokens: request.max_output_tokens,
    parallel_tool_calls: request.parallel_tool_calls,
    user: request.user,
    tool_choice: toolChoiceOf(request.tool_choice),
    response_format: responseFormatOf(request.text?.format),
    tools: request.tools?.map((tool) => ({
      type: 'function' as const,
      function: {
        name: tool.name,
        ...(typeof tool.description === 'string' ? { description: tool.description } : {}),
        ...(tool.parameters != null ? { parameters: tool.parameters } : {}),
        ...(typeof tool.strict === 'boolean' ? { strict: tool.strict } : {})
      }
    }))
  })
  return chat
}

/**
 * The body an OpenAI upstream gets: the client's request as it came (unknown fields included), with the stored
 * history written out in front of the input instead of previous_response_id (the gateway keeps the conversation, so
 * any credential or fallback can continue it). History items lose their ids, and reasoning items are left out: an
 * upstream that did not store them (another credential, store: false) refuses ids it does not know.
 */
export function nativeRequest (request: ResponsesRequestType, history: InputItemType[], input: InputItemType[]): Record<string, unknown> {
  const body: Record<string, unknown> = { ...request }
  delete body.previous_response_id
  const replay = history.filter((item) => item.type !== 'reasoning').map((item) => {
    const { id: _id, ...rest } = item as InputItemType & { id?: unknown }
    return rest
  })
  body.input = history.length === 0 && typeof request.input === 'string' ? request.input : [...replay, ...input]
  return body
}
