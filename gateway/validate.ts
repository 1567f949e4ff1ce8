import { BadRequestError, UnpriceableFieldError } from '#errors.js'
import type { ChatRequest } from '#upstream/types.js'

/**
 * Rules of a chat request that the JSON schema does not express (they depend on the role).
 * Checked once before any provider sees the request, whichever route it came through.
 */
export function checkChatRequest (request: ChatRequest): void {
  request.messages.forEach((message, i) => {
    const where = `body/messages/${i}`
    const { role, content } = message
    if (role === 'tool' && message.tool_call_id === undefined) throw new BadRequestError(`${where}: a tool message needs tool_call_id`)
    if (message.tool_calls !== undefined && role !== 'assistant') throw new BadRequestError(`${where}: only assistant messages carry tool_calls`)
    if (content == null && !(role === 'assistant' && (message.tool_calls?.length ?? 0) > 0)) {
      throw new BadRequestError(`${where}: content is required${role === 'assistant' ? ' unless the message has tool_calls' : ''}`)
    }
    if (role !== 'user' && Array.isArray(content) && content.some((p) => p.type !== 'text')) {
      throw new BadRequestError(`${where}: only user messages may contain image parts`)
    }
  })
}

// service tiers billed at the standard price (OpenAI "auto"/"default", Anthropic "standard_only")
const STANDARD_TIERS = new Set(['auto', 'default', 'standard_only'])

/** The first field of `request` that makes the provider charge what catalog rates cannot price, if any. */
export function unpriceableField (request: Record<string, unknown>): string | undefined {
  const present = (field: string): boolean => request[field] !== undefined && request[field] !== null
  if (present('service_tier') && !STANDARD_TIERS.has(request.service_tier as string)) return 'service_tier'
  if (present('web_search_options')) return 'web_search_options'
  if (present('audio')) return 'audio'
  if (Array.isArray(request.modalities) && request.modalities.includes('audio')) return 'modalities'
  // OpenRouter: model lists and routing pick models at their own prices; plugins (web search) are billed apart
  return ['models', 'route', 'plugins'].find(present)
}

/** The same for an Anthropic Messages body: its server tools (web search, code execution …) are billed per use, too. */
export function unpriceableMessagesField (body: { tools?: Array<{ type?: string | undefined }> | undefined }): string | undefined {
  const server = body.tools?.findIndex((tool) => tool.type !== undefined && tool.type !== 'custom') ?? -1
  return server >= 0 ? `tools/${server}` : unpriceableField(body as Record<string, unknown>)
}

/**
 * Refuses, for a key with a credit limit, fields that change what the provider charges beyond its catalog rates
 * (priority tiers, web search, audio, OpenRouter routing): its budget could not bound or settle such a call.
 * Takes a chat request, or the field already found in another kind of request.
 */
export function refuseUnpriceableFields (request: ChatRequest | string | undefined): void {
  const field = typeof request === 'object' ? unpriceableField(request as unknown as Record<string, unknown>) : request
  if (field === undefined) return
  throw new UnpriceableFieldError(`body/${field}: this field changes what the provider charges beyond the catalog's rates, ` +
    'so keys with a credit limit may not use it. Remove it, or use a key without a credit limit.')
}

/** True when objects and arrays nest deeper than `limit` anywhere in `value` (iterative: no stack to overflow). */
export function nestedDeeperThan (value: unknown, limit: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 1]]
  while (stack.length > 0) {
    const [node, depth] = stack.pop() as [unknown, number]
    if (node === null || typeof node !== 'object') continue
    if (depth > limit) return true
    for (const child of Array.isArray(node) ? node : Object.values(node)) {
      if (child !== null && typeof child === 'object') stack.push([child, depth + 1])
    }
  }
  return false
}
