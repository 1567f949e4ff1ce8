import { sseData } from '#upstream/sse.js'
import type { StreamFormat } from '#upstream/stream-body.js'
import type { ChatChunk, RelayedEvent, Usage } from '#upstream/types.js'
import { anthropicUsage, messageId, stopReason } from './response.js'

/** What a failure after the stream started is told as: its message and Anthropic error type. */
export type DescribeFailure = (err: unknown) => { message: string, type: string }

function event (type: string, data: Record<string, unknown>): string {
  return `event: ${type}\n${sseData(JSON.stringify({ type, ...data }))}`
}

function errorEvent (describe: DescribeFailure, err: unknown): string {
  return event('error', { error: describe(err) })
}

/** An Anthropic upstream's events as it sent them; a failure after the start becomes an `error` event. */
export function relayedEvents (describe: DescribeFailure): StreamFormat<RelayedEvent> {
  return {
    open: () => '',
    chunk: (relayed) => relayed.event === undefined ? sseData(relayed.data) : `event: ${relayed.event}\n${sseData(relayed.data)}`,
    close: () => '',
    fail: (err) => errorEvent(describe, err)
  }
}

/**
 * A translated provider's OpenAI chunks as Anthropic's events: message_start and ping at once, a text block while
 * text comes, one tool_use block per tool call (its arguments as input_json_delta), then message_delta with the
 * stop reason and usage, and message_stop.
 */
export function translatedEvents (model: string, describe: DescribeFailure): StreamFormat<ChatChunk> {
  let open: { index: number, kind: 'text' | 'tool' } | undefined
  let blocks = 0
  /** OpenAI tool_calls index → Anthropic content block index. */
  const toolBlocks = new Map<number, number>()
  let finish: string | null | undefined
  let usage: Usage | undefined
  const closeBlock = (): string => {
    if (open === undefined) return ''
    const out = event('content_block_stop', { index: open.index })
    open = undefined
    return out
  }
  const startBlock = (kind: 'text' | 'tool', contentBlock: Record<string, unknown>): string => {
    const out = closeBlock() + event('content_block_start', { index: blocks, content_block: contentBlock })
    open = { index: blocks++, kind }
    return out
  }
  return {
    open: () => event('message_start', {
      message: { id: messageId(), type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 0, output_tokens: 0 } }
    }) + event('ping', {}),
    chunk: (chunk) => {
      if (chunk.usage !== undefined) usage = chunk.usage
      const choice = chunk.value.choices[0]
      if (choice === undefined) return ''
      let out = ''
      const { content, tool_calls: calls } = choice.delta
      if (typeof content === 'string' && content !== '') {
        if (open?.kind !== 'text') out += startBlock('text', { type: 'text', text: '' })
        out += event('content_block_delta', { index: open?.index, delta: { type: 'text_delta', text: content } })
      }
      for (const call of calls ?? []) {
        let index = toolBlocks.get(call.index)
        if (index === undefined) {
          out += startBlock('tool', { type: 'tool_use', id: call.id ?? `toolu_${call.index}`, name: call.function?.name ?? '', input: {} })
          index = blocks - 1
          toolBlocks.set(call.index, index)
        }
        const args = call.function?.arguments
        if (args !== undefined && args !== '') out += event('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: args } })
      }
      if (choice.finish_reason !== null) finish = choice.finish_reason
      return out
    },
    close: () => closeBlock() +
      event('message_delta', { delta: { stop_reason: stopReason(finish), stop_sequence: null }, usage: anthropicUsage(usage) }) +
      event('message_stop', {}),
    fail: (err) => closeBlock() + errorEvent(describe, err)
  }
}
