import { ChunkBuilder, type ChunkDelta } from '../chunks.js'
import { midStreamError, parseJson, truncatedStreamError } from '#upstream/http.js'
import type { StreamDecoder, UpstreamCall } from '#upstream/types.js'
import { readParts, toFinishReason, toUsage, type GeminiResponse, type GeminiUsage } from './response.js'

interface CandidateState { started: boolean, toolCalls: number }

/**
 * Gemini streamGenerateContent?alt=sse → OpenAI chunks. Each event is a whole GenerateContentResponse
 * holding the next piece of each candidate; function calls arrive complete, so each becomes one
 * tool-call delta with all its arguments. The body simply ends after the last piece.
 */
export function streamDecoder (call: UpstreamCall): StreamDecoder {
  const out = new ChunkBuilder(call.model)
  const states = new Map<number, CandidateState>()
  let usage: GeminiUsage | undefined
  let finished = false
  let first = true

  return {
    event ({ data }, emit) {
      const response = parseJson<GeminiResponse>(data, call)
      if (response.error !== undefined) throw midStreamError(call, response.error.message ?? '')
      if (first) {
        if (response.responseId !== undefined) out.id = `chatcmpl-${response.responseId}`
        first = false
      }
      if (response.modelVersion !== undefined) out.model = response.modelVersion
      if (response.usageMetadata !== undefined) usage = response.usageMetadata
      const candidates = response.candidates ?? []
      if (candidates.length === 0 && response.promptFeedback?.blockReason !== undefined) {
        finished = true
        emit(out.delta({ role: 'assistant' }, 'content_filter'))
      }
      for (const [i, candidate] of candidates.entries()) {
        const index = candidate.index ?? i
        const state = states.get(index) ?? { started: false, toolCalls: 0 }
        states.set(index, state)
        const { text, toolCalls } = readParts(candidate)
        const delta: ChunkDelta = state.started ? {} : { role: 'assistant' }
        state.started = true
        if (text !== '') delta.content = text
        if (toolCalls.length > 0) delta.tool_calls = toolCalls.map((tc) => ({ index: state.toolCalls++, ...tc }))
        const finish = toFinishReason(candidate.finishReason, state.toolCalls > 0)
        if (finish !== null) finished = true
        if (Object.keys(delta).length > 0 || finish !== null) emit(out.delta(delta, finish, index).withUsage(usage && toUsage(usage)))
      }
      return false
    },
    end (emit) {
      if (!finished) throw truncatedStreamError(call)
      if (usage !== undefined) emit(out.usage(toUsage(usage)))
    }
  }
}
