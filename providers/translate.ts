import { BadRequestError } from '#errors.js'
import type { ChatMessageType, ContentPartType, ToolCallType } from '#schemas/chat.js'
import type { ChatRequest } from '#upstream/types.js'

/*
 * Pieces every non-OpenAI translation needs. The request was validated against the schema already,
 * so these only deal with what the schema cannot express.
 */

export type MessageContent = string | ContentPartType[] | null | undefined

export interface InlineImage { mimeType: string, data: string }

const DATA_URL = /^data:([\w.+-]+\/[\w.+-]+)(?:;[^,;]*)*;base64,(.*)$/s

/** `data:image/png;base64,…` → its media type and base64 payload; undefined for anything else. */
export function parseDataUrl (url: string): InlineImage | undefined {
  const m = DATA_URL.exec(url)
  return m === null ? undefined : { mimeType: (m[1] as string).toLowerCase(), data: m[2] as string }
}

export function isHttpUrl (url: string): boolean {
  return /^https?:\/\//i.test(url)
}

/** All text of a message content, parts joined without separator (as OpenAI concatenates them). */
export function textOf (content: MessageContent): string {
  if (content == null) return ''
  if (typeof content === 'string') return content
  return content.map((p) => p.type === 'text' ? p.text : '').join('')
}

/** Content as a list of parts (a plain string becomes one text part). */
export function partsOf (content: MessageContent): ContentPartType[] {
  if (content == null) return []
  return typeof content === 'string' ? [{ type: 'text', text: content }] : content
}

/** Tool-call arguments are JSON text in OpenAI's format; the other formats want the object. */
export function toolArguments (call: ToolCallType): Record<string, unknown> {
  let parsed: unknown
  try {
    parsed = call.function.arguments.trim() === '' ? {} : JSON.parse(call.function.arguments)
  } catch {
    throw new BadRequestError(`tool call ${call.id}: function.arguments must be JSON text of an object`)
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new BadRequestError(`tool call ${call.id}: function.arguments must be JSON text of an object`)
  }
  return parsed as Record<string, unknown>
}

export function maxTokensOf (request: ChatRequest): number | undefined {
  return request.max_completion_tokens ?? request.max_tokens
}

export function stopSequencesOf (request: ChatRequest): string[] | undefined {
  const { stop } = request
  if (stop === undefined) return undefined
  return typeof stop === 'string' ? [stop] : stop
}

/** System and developer messages: providers with a separate system prompt get them joined there. */
export function systemText (request: ChatRequest): string | undefined {
  const texts = request.messages.filter((m) => m.role === 'system' || m.role === 'developer').map((m) => textOf(m.content))
  return texts.length === 0 ? undefined : texts.join('\n\n')
}

/** Appends `next` to `list`, or merges it into the last entry when both have the same role (alternating formats need that). */
export function pushMerged<T extends { role: string }> (list: T[], next: T, merge: (into: T, from: T) => void): void {
  const last = list[list.length - 1]
  if (last !== undefined && last.role === next.role) merge(last, next)
  else list.push(next)
}

/** How one provider writes the content blocks of a conversation with user and assistant turns only. */
export interface TurnBlocks<B> {
  user: (part: ContentPartType) => B[]
  assistant: (message: ChatMessageType) => B[]
  toolResult: (message: ChatMessageType) => B
}

/**
 * The conversation as alternating user and assistant turns (Anthropic, Bedrock): system and developer messages are
 * left out (sent as the top-level system prompt), tool results travel in a user turn, and consecutive messages of
 * one role share a turn (parallel tool results, a user message after them).
 */
export function alternatingTurns<B> (messages: ChatMessageType[], blocks: TurnBlocks<B>): Array<{ role: 'user' | 'assistant', content: B[] }> {
  const out: Array<{ role: 'user' | 'assistant', content: B[] }> = []
  const merge = (into: { content: B[] }, from: { content: B[] }): void => { into.content.push(...from.content) }
  for (const message of messages) {
    if (message.role === 'user') pushMerged(out, { role: 'user', content: partsOf(message.content).flatMap(blocks.user) }, merge)
    else if (message.role === 'assistant') pushMerged(out, { role: 'assistant', content: blocks.assistant(message) }, merge)
    else if (message.role === 'tool') pushMerged(out, { role: 'user', content: [blocks.toolResult(message)] }, merge)
  }
  return out
}

/** For providers without a JSON mode (Anthropic, Bedrock): a JSON response_format becomes an instruction in the system prompt. */
export function jsonInstruction (request: ChatRequest): string | undefined {
  const format = request.response_format
  if (format === undefined || format.type === 'text') return undefined
  if (format.type === 'json_object') return 'Respond with a single JSON object and nothing else.'
  const schema = format.json_schema.schema
  return 'Respond with a single JSON value and nothing else' +
    (schema !== undefined ? `, matching this JSON Schema:\n${JSON.stringify(schema)}` : '.')
}

/** An OpenAI image size ("1536x1024") as its width, height and reduced ratio ([3, 2]); undefined for "auto" and the like. */
export function imageSizeOf (size: string | undefined): { width: number, height: number, ratio: [number, number] } | undefined {
  const match = /^(\d+)x(\d+)$/.exec(size ?? '')
  if (match === null) return undefined
  const [width, height] = [Number(match[1]), Number(match[2])]
  const gcd = (a: number, b: number): number => b === 0 ? a : gcd(b, a % b)
  const d = gcd(width, height)
  return d === 0 ? undefined : { width, height, ratio: [width / d, height / d] }
}
