import { BadRequestError, UnsupportedRequestError } from '#errors.js'
import type { ChatMessageType, ContentPartType } from '#schemas/chat.js'
import {
  alternatingTurns, isHttpUrl, jsonInstruction, maxTokensOf, parseDataUrl, stopSequencesOf, systemText, textOf, toolArguments
} from '../translate.js'
import type { ChatRequest } from '#upstream/types.js'

/** Bedrock's Converse API, the parts the gateway sends (POST /model/{modelId}/converse and /converse-stream). */
export type ConverseBlock =
  | { text: string }
  | { image: { format: string, source: { bytes: string } } }
  | { toolUse: { toolUseId: string, name: string, input: Record<string, unknown> } }
  | { toolResult: { toolUseId: string, content: Array<{ text: string }> } }

export interface ConverseMessage { role: 'user' | 'assistant', content: ConverseBlock[] }

type ToolChoice = { auto: Record<string, never> } | { any: Record<string, never> } | { tool: { name: string } }

export interface ConverseRequest {
  messages: ConverseMessage[]
  system?: Array<{ text: string }>
  inferenceConfig?: { maxTokens?: number, temperature?: number, topP?: number, stopSequences?: string[] }
  toolConfig?: { tools: Array<{ toolSpec: { name: string, description?: string, inputSchema: { json: Record<string, unknown> } } }>, toolChoice?: ToolChoice }
}

/** The image formats Converse takes, by media type (as base64 bytes; it reads no URLs but S3 ones). */
const IMAGE_FORMATS: Readonly<Record<string, string>> = { 'image/png': 'png', 'image/jpeg': 'jpeg', 'image/gif': 'gif', 'image/webp': 'webp' }

export function toConverseRequest (request: ChatRequest): ConverseRequest {
  if ((request.n ?? 1) > 1) throw new UnsupportedRequestError('Bedrock models return one choice per request; n must be 1.')
  const out: ConverseRequest = { messages: toMessages(request.messages) }
  const system = [systemText(request), jsonInstruction(request)].filter((s) => s !== undefined && s !== '') as string[]
  if (system.length > 0) out.system = system.map((text) => ({ text }))
  const inference: NonNullable<ConverseRequest['inferenceConfig']> = {}
  const maxTokens = maxTokensOf(request)
  if (maxTokens !== undefined) inference.maxTokens = maxTokens
  if (request.temperature !== undefined) inference.temperature = request.temperature
  if (request.top_p !== undefined) inference.topP = request.top_p
  const stop = stopSequencesOf(request)
  if (stop !== undefined) inference.stopSequences = stop
  if (Object.keys(inference).length > 0) out.inferenceConfig = inference
  // Converse has no "none": the tools are left out, as AIGNE's Bedrock model does
  if (request.tools !== undefined && request.tools.length > 0 && request.tool_choice !== 'none') {
    out.toolConfig = {
      tools: request.tools.map(({ function: f }) => ({
        toolSpec: { name: f.name, ...(f.description !== undefined ? { description: f.description } : {}), inputSchema: { json: f.parameters ?? { type: 'object', properties: {} } } }
      }))
    }
    const choice = toolChoice(request)
    if (choice !== undefined) out.toolConfig.toolChoice = choice
  }
  return out
}

function toMessages (messages: ChatMessageType[]): ConverseMessage[] {
  return alternatingTurns<ConverseBlock>(messages, {
    user: userBlock,
    assistant: assistantBlocks,
    toolResult: (message) => ({ toolResult: { toolUseId: message.tool_call_id as string, content: [{ text: textOf(message.content) }] } })
  })
}

function userBlock (part: ContentPartType): ConverseBlock[] {
  if (part.type === 'text') return part.text === '' ? [] : [{ text: part.text }]
  const { url } = part.image_url
  const inline = parseDataUrl(url)
  if (inline !== undefined) {
    const format = IMAGE_FORMATS[inline.mimeType]
    if (format === undefined) throw new UnsupportedRequestError(`Bedrock accepts PNG, JPEG, GIF and WebP images, not ${inline.mimeType}.`)
    return [{ image: { format, source: { bytes: inline.data } } }]
  }
  if (isHttpUrl(url)) throw new UnsupportedRequestError('Bedrock reads no image URLs: send the image as a base64 data URL.')
  throw new BadRequestError('image_url.url must be an http(s) URL or a base64 data URL')
}

function assistantBlocks (message: ChatMessageType): ConverseBlock[] {
  const text = textOf(message.content)
  const blocks: ConverseBlock[] = text === '' ? [] : [{ text }]
  for (const call of message.tool_calls ?? []) {
    blocks.push({ toolUse: { toolUseId: call.id, name: call.function.name, input: toolArguments(call) } })
  }
  return blocks
}

function toolChoice (request: ChatRequest): ToolChoice | undefined {
  const choice = request.tool_choice
  if (choice === 'auto') return { auto: {} }
  if (choice === 'required') return { any: {} }
  if (choice !== undefined && choice !== 'none') return { tool: { name: choice.function.name } }
  return undefined
}
