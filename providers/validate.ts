import { BadRequestError } from '../lib/errors.js'
import type { ChatRequest } from './types.js'

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
