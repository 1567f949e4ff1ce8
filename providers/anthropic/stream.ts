import { ChunkBuilder } from '../chunks.js'
import { midStreamError, parseJson, truncatedStreamError } from '#upstream/http.js'
import type { StreamDecoder, UpstreamCall } from '#upstream/types.js'
import { StreamUsage, toFinishReason, type AnthropicUsage } from './response.js'

type StreamEvent =
  | { type: 'message_start', message: { id: string, model: string, usage?: AnthropicUsage } }
  | { type: 'content_block_start', index: number, content_block: { type: string, text?: string, id?: string, name?: string } }
  | { type: 'content_block_delta', index: number, delta: { type: string, text?: string, partial_json?: string } }
  | { type: 'content_block_stop' | 'message_stop' | 'ping', index?: number }
  | { type: 'message_delta', delta: { stop_reason?: string | null }, usage?: AnthropicUsage }
  | { type: 'error', error?: { type?: string, message?: string } }

/**
 * Anthropic stream events → OpenAI chunks: message_start opens the assistant turn, text_delta becomes
 * content, a tool_use block becomes a tool call (id and name first, then input_json_delta pieces as
 * arguments), message_delta carries the finish reason, and message_stop closes with the usage chunk.
 */
export function streamDecoder (call: UpstreamCall): StreamDecoder {
  const out = new ChunkBuilder(call.model)
  const usage = new StreamUsage()
  /** Anthropic content block index → OpenAI tool_calls index (tool calls are numbered on their own). */
  const toolIndex = new Map<number, number>()

  return {
    event ({ data }, emit) {
      const event = parseJson<StreamEvent>(data, call)
      switch (event.type) {
        case 'message_start':
          out.id = `chatcmpl-${event.message.id}`
          out.model = event.message.model ?? out.model
          // the prompt count is known now; metering keeps it even if the stream breaks later
          emit(out.delta({ role: 'assistant', content: '' }).withUsage(usage.started(event.message.usage)))
          break
        case 'content_block_start': {
          const block = event.content_block
          if (block.type === 'tool_use') {
            const index = toolIndex.size
            toolIndex.set(event.index, index)
            emit(out.delta({ tool_calls: [{ index, id: block.id, type: 'function', function: { name: block.name, arguments: '' } }] }))
          } else if (block.type === 'text' && block.text !== undefined && block.text !== '') {
            emit(out.delta({ content: block.text }))
          }
          break
        }
        case 'content_block_delta': {
          const { delta } = event
          if (delta.type === 'text_delta' && delta.text !== undefined && delta.text !== '') {
            emit(out.delta({ content: delta.text }))
          } else if (delta.type === 'input_json_delta' && delta.partial_json !== undefined && delta.partial_json !== '') {
            const index = toolIndex.get(event.index)
            if (index !== undefined) emit(out.delta({ tool_calls: [{ index, function: { arguments: delta.partial_json } }] }))
          }
          // thinking and signature deltas have no place in Chat Completions
          break
        }
        case 'message_delta':
          emit(out.delta({}, toFinishReason(event.delta.stop_reason) ?? 'stop').withUsage(usage.delta(event.usage)))
          break
        case 'message_stop':
          emit(out.usage(usage.current))
          return true
        case 'error':
          throw midStreamError(call, event.error?.message ?? '', event.error?.type === 'rate_limit_error')
        default:
          break // ping, content_block_stop, and event types added later
      }
      return false
    },
    end () {
      throw truncatedStreamError(call)
    }
  }
}
