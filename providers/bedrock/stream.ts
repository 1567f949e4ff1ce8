import { ChunkBuilder } from '../chunks.js'
import { midStreamError, parseJson, truncatedStreamError } from '#upstream/http.js'
import type { StreamDecoder, UpstreamCall, Usage } from '#upstream/types.js'
import { toFinishReason, toUsage, type ConverseUsage } from './response.js'

interface BlockStart { contentBlockIndex?: number, start?: { toolUse?: { toolUseId?: string, name?: string } } }
interface BlockDelta { contentBlockIndex?: number, delta?: { text?: string, toolUse?: { input?: string } } }

/**
 * ConverseStream events (one per event stream frame, named by :event-type) → OpenAI chunks: messageStart opens the
 * assistant turn, text deltas become content, a toolUse block a tool call (id and name first, then its input JSON
 * in pieces), messageStop carries the finish reason and metadata, the last event, the usage. An exception frame
 * (throttlingException, modelStreamErrorException, …) ends the stream with the provider's message.
 */
export function streamDecoder (call: UpstreamCall): StreamDecoder {
  const out = new ChunkBuilder(call.model)
  /** Converse content block index → OpenAI tool_calls index (tool calls are numbered on their own). */
  const toolIndex = new Map<number, number>()
  let stopped = false

  return {
    event ({ event, data }, emit) {
      switch (event) {
        case 'messageStart':
          emit(out.delta({ role: 'assistant', content: '' }))
          break
        case 'contentBlockStart': {
          const { contentBlockIndex, start } = parseJson<BlockStart>(data, call)
          const tool = start?.toolUse
          if (tool !== undefined && contentBlockIndex !== undefined) {
            const index = toolIndex.size
            toolIndex.set(contentBlockIndex, index)
            emit(out.delta({ tool_calls: [{ index, id: tool.toolUseId, type: 'function', function: { name: tool.name, arguments: '' } }] }))
          }
          break
        }
        case 'contentBlockDelta': {
          const { contentBlockIndex, delta } = parseJson<BlockDelta>(data, call)
          if (typeof delta?.text === 'string' && delta.text !== '') emit(out.delta({ content: delta.text }))
          const input = delta?.toolUse?.input
          const index = contentBlockIndex === undefined ? undefined : toolIndex.get(contentBlockIndex)
          if (typeof input === 'string' && input !== '' && index !== undefined) emit(out.delta({ tool_calls: [{ index, function: { arguments: input } }] }))
          // reasoning deltas have no place in Chat Completions
          break
        }
        case 'messageStop':
          stopped = true
          emit(out.delta({}, toFinishReason(parseJson<{ stopReason?: string }>(data, call).stopReason) ?? 'stop'))
          break
        case 'metadata': {
          const usage: Usage = toUsage(parseJson<{ usage?: ConverseUsage }>(data, call).usage ?? {})
          emit(out.usage(usage))
          return true
        }
        case 'error':
          throw midStreamError(call, parseJson<{ message?: string }>(data, call).message ?? '')
        default:
          if (event?.endsWith('Exception') === true) {
            throw midStreamError(call, parseJson<{ message?: string }>(data, call).message ?? '', event === 'throttlingException')
          }
          break // contentBlockStop, and event types added later
      }
      return false
    },
    end () {
      // a stream cut after messageStop lost only its usage (the meter then charges its estimate)
      if (!stopped) throw truncatedStreamError(call)
    }
  }
}
