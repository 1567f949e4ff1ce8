import { BadRequestError, UnsupportedRequestError } from '#errors.js'
import type { ChatMessageType, ContentPartType } from '#schemas/chat.js'
import {
  alternatingTurns, isHttpUrl, jsonInstruction, maxTokensOf, parseDataUrl, stopSequencesOf, systemText, textOf, toolArguments
} from '../translate.js'
import type { ChatRequest } from '#upstream/types.js'

/** Anthropic's Messages API, the parts the gateway sends. */
export type AnthropicBlock =
  | { type: 'text', text: string }
  | { type: 'image', source: { type: 'base64', media_type: string, data: string } | { type: 'url', url: string } }
  | { type: 'tool_use', id: string, name: string, input: Record<string, unknown> }
  | { type: 'tool_result', tool_use_id: string, content: string }

export interface AnthropicMessage { role: 'user' | 'assistant', content: AnthropicBlock[] }

type AnthropicToolChoice = ({ type: 'auto' | 'any' | 'none' } | { type: 'tool', name: string }) & { disable_parallel_tool_use?: boolean }

export interface AnthropicRequest {
  model: string
  max_tokens: number
  messages: AnthropicMessage[]
  system?: string
  temperature?: number
  top_p?: number
  stop_sequences?: string[]
  stream?: boolean
  tools?: Array<{ name: string, description?: string, input_schema: Record<string, unknown> }>
  tool_choice?: AnthropicToolChoice
  metadata?: { user_id: string }
}

/** Anthropic requires max_tokens; OpenAI clients often omit it. */
export const DEFAULT_MAX_TOKENS = 4096
const IMAGE_TYPES = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp'])

export function toAnthropicRequest (request: ChatRequest, model: string, stream: boolean): AnthropicRequest {
  if ((request.n ?? 1) > 1) throw new UnsupportedRequestError('Anthropic models return one choice per request; n must be 1.')
  const out: AnthropicRequest = {
    model,
    max_tokens: maxTokensOf(request) ?? DEFAULT_MAX_TOKENS,
    messages: toMessages(request.messages)
  }
  const system = [systemText(request), jsonInstruction(request)].filter((s) => s !== undefined).join('\n\n')
  if (system !== '') out.system = system
  if (request.temperature !== undefined) out.temperature = request.temperature
  if (request.top_p !== undefined) out.top_p = request.top_p
  const stop = stopSequencesOf(request)
  if (stop !== undefined) out.stop_sequences = stop
  if (stream) out.stream = true
  if (request.tools !== undefined && request.tools.length > 0) {
    out.tools = request.tools.map(({ function: f }) => ({
      name: f.name,
      ...(f.description !== undefined ? { description: f.description } : {}),
      input_schema: f.parameters ?? { type: 'object', properties: {} }
    }))
  }
  const choice = toolChoice(request)
  if (choice !== undefined) out.tool_choice = choice
  if (request.user !== undefined) out.metadata = { user_id: request.user }
  return out
}

function toMessages (messages: ChatMessageType[]): AnthropicMessage[] {
  return alternatingTurns<AnthropicBlock>(messages, {
    user: userBlock,
    assistant: assistantBlocks,
    toolResult: (message) => ({ type: 'tool_result', tool_use_id: message.tool_call_id as string, content: textOf(message.content) })
  })
}

function userBlock (part: ContentPartType): AnthropicBlock[] {
  if (part.type === 'text') return part.text === '' ? [] : [{ type: 'text', text: part.text }]
  const { url } = part.image_url
  const inline = parseDataUrl(url)
  if (inline !== undefined) {
    if (!IMAGE_TYPES.has(inline.mimeType)) throw new UnsupportedRequestError(`Anthropic accepts JPEG, PNG, GIF and WebP images, not ${inline.mimeType}.`)
    return [{ type: 'image', source: { type: 'base64', media_type: inline.mimeType, data: inline.data } }]
  }
  if (isHttpUrl(url)) return [{ type: 'image', source: { type: 'url', url } }]
  throw new BadRequestError('image_url.url must be an http(s) URL or a base64 data URL')
}

function assistantBlocks (message: ChatMessageType): AnthropicBlock[] {
  const text = textOf(message.content)
  const blocks: AnthropicBlock[] = text === '' ? [] : [{ type: 'text', text }]
  for (const call of message.tool_calls ?? []) {
    blocks.push({ type: 'tool_use', id: call.id, name: call.function.name, input: toolArguments(call) })
  }
  return blocks
}

function toolChoice (request: ChatRequest): AnthropicToolChoice | undefined {
  const choice = request.tool_choice
  let out: AnthropicToolChoice | undefined
  if (choice === 'auto') out = { type: 'auto' }
  else if (choice === 'required') out = { type: 'any' }
  else if (choice === 'none') out = { type: 'none' }
  else if (choice !== undefined) out = { type: 'tool', name: choice.function.name }
  if (request.parallel_tool_calls === false && request.tools !== undefined && out?.type !== 'none') {
    out = { ...(out ?? { type: 'auto' }), disable_parallel_tool_use: true }
  }
  return out
}
