import { BadRequestError, UnsupportedRequestError } from '#errors.js'
import type { ChatMessageType, ContentPartType, ToolCallType } from '#schemas/chat.js'
import type { MessagesRequestType } from '#schemas/anthropic.js'
import type { ChatRequest } from '#upstream/types.js'
import { isHttpUrl } from '#providers/translate.js'

/*
 * An Anthropic Messages request → the gateway's internal OpenAI chat request, for providers that do not speak
 * Anthropic's format (an Anthropic model gets the body as sent instead). Blocks are checked here, as the schema
 * keeps them open for the pass-through: a malformed one is a 400 naming where it is.
 */

type Block = Record<string, unknown> & { type: string }
type Content = string | Block[]

/** Thinking is Anthropic's own (signed for Anthropic); other providers neither take nor need it back. */
const DROPPED = new Set(['thinking', 'redacted_thinking'])

export function toChatRequest (body: MessagesRequestType, model: string): ChatRequest {
  const messages: ChatMessageType[] = []
  const system = systemText(body.system)
  if (system !== '') messages.push({ role: 'system', content: system })
  body.messages.forEach((message, i) => {
    const where = `body/messages/${i}`
    if (message.role === 'user') messages.push(...userMessages(message.content as Content, where))
    else messages.push(assistantMessage(message.content as Content, where))
  })
  const chat: ChatRequest = { model, messages, max_tokens: body.max_tokens }
  if (body.temperature !== undefined) chat.temperature = body.temperature
  if (body.top_p !== undefined) chat.top_p = body.top_p
  if (body.stop_sequences !== undefined && body.stop_sequences.length > 0) chat.stop = body.stop_sequences
  if (body.stream === true) chat.stream_options = { include_usage: true }
  if (body.stream === true) chat.stream = true
  if (typeof body.metadata?.user_id === 'string') chat.user = body.metadata.user_id
  if (body.tools !== undefined && body.tools.length > 0) chat.tools = body.tools.map(toTool)
  const choice = body.tool_choice
  if (choice !== undefined) {
    if (choice.type === 'tool' && choice.name === undefined) throw new BadRequestError('body/tool_choice: {"type":"tool"} needs the tool\'s name')
    chat.tool_choice = choice.type === 'any' ? 'required' : choice.type === 'tool' ? { type: 'function', function: { name: choice.name as string } } : choice.type
    if (choice.disable_parallel_tool_use === true) chat.parallel_tool_calls = false
  }
  return chat
}

function systemText (system: MessagesRequestType['system']): string {
  if (system === undefined) return ''
  return typeof system === 'string' ? system : system.map((block) => block.text).join('\n\n')
}

function toTool (tool: NonNullable<MessagesRequestType['tools']>[number], i: number): NonNullable<ChatRequest['tools']>[number] {
  if (tool.type !== undefined && tool.type !== 'custom') {
    throw new UnsupportedRequestError(`body/tools/${i}: server tools (${tool.type.slice(0, 64)}) run at Anthropic; only Anthropic models can use them.`)
  }
  return {
    type: 'function',
    function: {
      name: tool.name,
      ...(tool.description !== undefined ? { description: tool.description } : {}),
      parameters: tool.input_schema ?? { type: 'object', properties: {} }
    }
  }
}

function asBlocks (content: Content): Block[] {
  return typeof content === 'string' ? [{ type: 'text', text: content }] : content
}

function text (block: Block, where: string): string {
  if (typeof block.text !== 'string') throw new BadRequestError(`${where}: a text block needs "text" (a string)`)
  return block.text
}

function unsupported (block: Block, where: string): Error {
  return new UnsupportedRequestError(`${where}: "${block.type.slice(0, 64)}" blocks can only be sent to Anthropic models.`)
}

/** A user turn: its tool results first (each its own tool message, as OpenAI wants them right after the calls), then text and images. */
function userMessages (content: Content, where: string): ChatMessageType[] {
  const results: ChatMessageType[] = []
  const parts: ContentPartType[] = []
  asBlocks(content).forEach((block, j) => {
    const at = `${where}/content/${j}`
    if (block.type === 'text') parts.push({ type: 'text', text: text(block, at) })
    else if (block.type === 'image') parts.push(imagePart(block, at))
    else if (block.type === 'tool_result') results.push(...toolResult(block, at, parts))
    else if (!DROPPED.has(block.type)) throw unsupported(block, at)
  })
  if (parts.length > 0) results.push({ role: 'user', content: parts.every((p) => p.type === 'text') ? parts.map((p) => (p as { text: string }).text).join('') : parts })
  return results
}

/** A tool's answer as a tool message; images it returned go into the user message that follows (tool messages carry text only). */
function toolResult (block: Block, where: string, userParts: ContentPartType[]): ChatMessageType[] {
  if (typeof block.tool_use_id !== 'string' || block.tool_use_id === '') throw new BadRequestError(`${where}: a tool_result block needs "tool_use_id"`)
  const texts: string[] = []
  const inner = block.content ?? ''
  if (typeof inner !== 'string' && !Array.isArray(inner)) throw new BadRequestError(`${where}/content must be a string or an array of blocks`)
  asBlocks(inner as Content).forEach((part, k) => {
    const at = `${where}/content/${k}`
    if (part.type === 'text') texts.push(text(part, at))
    else if (part.type === 'image') userParts.push(imagePart(part, at))
    else throw unsupported(part, at)
  })
  return [{ role: 'tool', tool_call_id: block.tool_use_id, content: texts.join('\n') }]
}

function imagePart (block: Block, where: string): ContentPartType {
  const source = block.source as Record<string, unknown> | undefined
  if (source?.type === 'base64' && typeof source.media_type === 'string' && typeof source.data === 'string') {
    return { type: 'image_url', image_url: { url: `data:${source.media_type};base64,${source.data}` } }
  }
  if (source?.type === 'url' && typeof source.url === 'string' && isHttpUrl(source.url)) {
    return { type: 'image_url', image_url: { url: source.url } }
  }
  throw new BadRequestError(`${where}: an image block needs a source of {"type":"base64","media_type","data"} or {"type":"url","url":"http(s)://…"}`)
}

function assistantMessage (content: Content, where: string): ChatMessageType {
  let said = ''
  const calls: ToolCallType[] = []
  asBlocks(content).forEach((block, j) => {
    const at = `${where}/content/${j}`
    if (block.type === 'text') said += text(block, at)
    else if (block.type === 'tool_use') calls.push(toolCall(block, at))
    else if (!DROPPED.has(block.type)) throw unsupported(block, at)
  })
  return calls.length > 0 ? { role: 'assistant', content: said === '' ? null : said, tool_calls: calls } : { role: 'assistant', content: said }
}

function toolCall (block: Block, where: string): ToolCallType {
  const { id, name, input } = block
  if (typeof id !== 'string' || id === '' || typeof name !== 'string' || name === '') {
    throw new BadRequestError(`${where}: a tool_use block needs "id" and "name"`)
  }
  if (input !== undefined && (input === null || typeof input !== 'object' || Array.isArray(input))) {
    throw new BadRequestError(`${where}: a tool_use block's "input" must be an object`)
  }
  return { id, type: 'function', function: { name, arguments: JSON.stringify(input ?? {}) } }
}
