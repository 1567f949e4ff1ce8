import { BadRequestError } from '#errors.js'
import type { ChatMessageType, ContentPartType } from '#schemas/chat.js'
import {
  isHttpUrl, maxTokensOf, parseDataUrl, partsOf, pushMerged, stopSequencesOf, systemText, textOf, toolArguments
} from '../translate.js'
import type { ChatRequest } from '#upstream/types.js'

/** Gemini generateContent, the parts the gateway sends. */
export type GeminiPart =
  | { text: string, thought?: boolean }
  | { inlineData: { mimeType: string, data: string } }
  | { fileData: { mimeType: string, fileUri: string } }
  | { functionCall: { name: string, args: Record<string, unknown> }, thoughtSignature?: string }
  | { functionResponse: { name: string, response: Record<string, unknown> } }

export interface GeminiContent { role: 'user' | 'model', parts: GeminiPart[] }

export interface GeminiRequest {
  contents: GeminiContent[]
  systemInstruction?: { parts: Array<{ text: string }> }
  generationConfig?: Record<string, unknown>
  tools?: Array<{ functionDeclarations: Array<{ name: string, description?: string, parametersJsonSchema?: Record<string, unknown> }> }>
  toolConfig?: { functionCallingConfig: { mode: 'AUTO' | 'ANY' | 'NONE', allowedFunctionNames?: string[] } }
}

/**
 * Gemini 3 signs its function calls and refuses a follow-up turn without the signature; it travels
 * with the tool call where Google's own OpenAI-compatible endpoint puts it, so OpenAI clients that
 * send assistant messages back unchanged keep it.
 */
export interface SignedToolCall { extra_content?: { google?: { thought_signature?: string } } }

export function toGeminiRequest (request: ChatRequest): GeminiRequest {
  const out: GeminiRequest = { contents: toContents(request.messages) }
  const system = systemText(request)
  if (system !== undefined) out.systemInstruction = { parts: [{ text: system }] }
  const config = generationConfig(request)
  if (Object.keys(config).length > 0) out.generationConfig = config
  if (request.tools !== undefined && request.tools.length > 0) {
    out.tools = [{
      functionDeclarations: request.tools.map(({ function: f }) => ({
        name: f.name,
        ...(f.description !== undefined ? { description: f.description } : {}),
        ...(f.parameters !== undefined ? { parametersJsonSchema: f.parameters } : {})
      }))
    }]
  }
  const choice = request.tool_choice
  if (choice === 'auto') out.toolConfig = { functionCallingConfig: { mode: 'AUTO' } }
  else if (choice === 'required') out.toolConfig = { functionCallingConfig: { mode: 'ANY' } }
  else if (choice === 'none') out.toolConfig = { functionCallingConfig: { mode: 'NONE' } }
  else if (choice !== undefined) out.toolConfig = { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: [choice.function.name] } }
  return out
}

function generationConfig (request: ChatRequest): Record<string, unknown> {
  const config: Record<string, unknown> = {}
  if (request.temperature !== undefined) config.temperature = request.temperature
  if (request.top_p !== undefined) config.topP = request.top_p
  const maxTokens = maxTokensOf(request)
  if (maxTokens !== undefined) config.maxOutputTokens = maxTokens
  const stop = stopSequencesOf(request)
  if (stop !== undefined) config.stopSequences = stop
  if (request.n !== undefined) config.candidateCount = request.n
  if (request.seed !== undefined) config.seed = request.seed
  const format = request.response_format
  if (format !== undefined && format.type !== 'text') {
    config.responseMimeType = 'application/json'
    if (format.type === 'json_schema' && format.json_schema.schema !== undefined) config.responseJsonSchema = format.json_schema.schema
  }
  return config
}

function toContents (messages: ChatMessageType[]): GeminiContent[] {
  const out: GeminiContent[] = []
  const merge = (into: GeminiContent, from: GeminiContent): void => { into.parts.push(...from.parts) }
  // functionResponse needs the function's name; OpenAI tool messages only carry the call id
  const toolNames = new Map<string, string>()
  for (const message of messages) {
    switch (message.role) {
      case 'system':
      case 'developer':
        break // sent as systemInstruction
      case 'user':
        pushMerged(out, { role: 'user', parts: partsOf(message.content).map(userPart) }, merge)
        break
      case 'assistant':
        for (const call of message.tool_calls ?? []) toolNames.set(call.id, call.function.name)
        pushMerged(out, { role: 'model', parts: modelParts(message) }, merge)
        break
      case 'tool': {
        const name = toolNames.get(message.tool_call_id as string)
        if (name === undefined) throw new BadRequestError(`tool message: tool_call_id "${message.tool_call_id ?? ''}" matches no earlier assistant tool call`)
        pushMerged(out, { role: 'user', parts: [{ functionResponse: { name, response: toolResponse(textOf(message.content)) } }] }, merge)
        break
      }
    }
  }
  return out
}

function userPart (part: ContentPartType): GeminiPart {
  if (part.type === 'text') return { text: part.text }
  const { url } = part.image_url
  const inline = parseDataUrl(url)
  if (inline !== undefined) return { inlineData: inline }
  if (isHttpUrl(url)) return { fileData: { mimeType: mimeTypeOf(url), fileUri: url } }
  throw new BadRequestError('image_url.url must be an http(s) URL or a base64 data URL')
}

function modelParts (message: ChatMessageType): GeminiPart[] {
  const text = textOf(message.content)
  const parts: GeminiPart[] = text === '' ? [] : [{ text }]
  for (const call of message.tool_calls ?? []) {
    const signature = (call as SignedToolCall).extra_content?.google?.thought_signature
    parts.push({ functionCall: { name: call.function.name, args: toolArguments(call) }, ...(signature !== undefined ? { thoughtSignature: signature } : {}) })
  }
  return parts
}

/** A tool result that is a JSON object is passed as such; anything else is wrapped as { result }. */
function toolResponse (content: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(content)
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>
  } catch {}
  return { result: content }
}

const MIME_BY_EXTENSION: Record<string, string> = { png: 'image/png', gif: 'image/gif', webp: 'image/webp', heic: 'image/heic', heif: 'image/heif' }

function mimeTypeOf (url: string): string {
  const ext = /\.([a-z0-9]+)(?:[?#]|$)/i.exec(new URL(url).pathname)?.[1]?.toLowerCase()
  return (ext !== undefined ? MIME_BY_EXTENSION[ext] : undefined) ?? 'image/jpeg'
}
