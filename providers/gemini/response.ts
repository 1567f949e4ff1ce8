import { randomBytes } from 'node:crypto'
import type { ToolCallType } from '#schemas/chat.js'
import { assistantMessage, completionId, unixNow, usageOf, type FinishReason } from '../chunks.js'
import type { ChatCompletion, Usage } from '#upstream/types.js'
import type { SignedToolCall } from './request.js'

interface ResponsePart {
  text?: string
  thought?: boolean
  functionCall?: { id?: string, name: string, args?: Record<string, unknown> }
  thoughtSignature?: string
}

export interface GeminiCandidate {
  index?: number
  content?: { parts?: ResponsePart[] }
  finishReason?: string
}

/** Tokens of one modality (TEXT, IMAGE, AUDIO, VIDEO, DOCUMENT). */
interface ModalityTokens { modality?: string, tokenCount?: number }

export interface GeminiUsage {
  promptTokenCount?: number
  candidatesTokenCount?: number
  thoughtsTokenCount?: number
  cachedContentTokenCount?: number
  /** Prompts of the model's own tool use (code execution, search results), billed as input apart from promptTokenCount. */
  toolUsePromptTokenCount?: number
  promptTokensDetails?: ModalityTokens[]
  cacheTokensDetails?: ModalityTokens[]
  candidatesTokensDetails?: ModalityTokens[]
}

function audioTokens (details: ModalityTokens[] | undefined): number {
  return (details ?? []).reduce((sum, d) => d.modality === 'AUDIO' ? sum + (d.tokenCount ?? 0) : sum, 0)
}

export interface GeminiResponse {
  responseId?: string
  modelVersion?: string
  candidates?: GeminiCandidate[]
  promptFeedback?: { blockReason?: string }
  usageMetadata?: GeminiUsage
  error?: { message?: string, status?: string }
}

export type GeminiToolCall = ToolCallType & SignedToolCall

/**
 * Thinking tokens are billed as output, so they count as completion tokens (and as reasoning_tokens); tool-use
 * prompt tokens are billed as input, so they count as prompt tokens. Audio is what is not read from the cache.
 */
export function toUsage (u: GeminiUsage): Usage {
  return usageOf((u.promptTokenCount ?? 0) + (u.toolUsePromptTokenCount ?? 0), (u.candidatesTokenCount ?? 0) + (u.thoughtsTokenCount ?? 0), {
    cached: u.cachedContentTokenCount,
    audioInput: Math.max(0, audioTokens(u.promptTokensDetails) - audioTokens(u.cacheTokensDetails)),
    reasoning: u.thoughtsTokenCount,
    audioOutput: audioTokens(u.candidatesTokensDetails)
  })
}

const FILTERED = new Set(['SAFETY', 'RECITATION', 'BLOCKLIST', 'PROHIBITED_CONTENT', 'SPII', 'IMAGE_SAFETY', 'LANGUAGE'])

export function toFinishReason (reason: string | undefined, calledTools: boolean): FinishReason {
  if (reason === undefined || reason === 'FINISH_REASON_UNSPECIFIED') return null
  if (reason === 'MAX_TOKENS') return 'length'
  if (FILTERED.has(reason)) return 'content_filter'
  return calledTools ? 'tool_calls' : 'stop'
}

/** Visible text and function calls of a candidate's parts (thought summaries are not part of the answer). */
export function readParts (candidate: GeminiCandidate): { text: string, toolCalls: GeminiToolCall[] } {
  let text = ''
  const toolCalls: GeminiToolCall[] = []
  for (const part of candidate.content?.parts ?? []) {
    if (part.functionCall !== undefined) {
      toolCalls.push({
        // Gemini may not number its calls; OpenAI clients need an id to answer each one
        id: part.functionCall.id ?? `call_${randomBytes(12).toString('base64url')}`,
        type: 'function',
        function: { name: part.functionCall.name, arguments: JSON.stringify(part.functionCall.args ?? {}) },
        ...(part.thoughtSignature !== undefined ? { extra_content: { google: { thought_signature: part.thoughtSignature } } } : {})
      })
    } else if (typeof part.text === 'string' && part.thought !== true) {
      text += part.text
    }
  }
  return { text, toolCalls }
}

export function toChatCompletion (response: GeminiResponse, model: string): ChatCompletion {
  const candidates = response.candidates ?? []
  const choices: ChatCompletion['choices'] = candidates.map((candidate, i) => {
    const { text, toolCalls } = readParts(candidate)
    return {
      index: candidate.index ?? i,
      message: assistantMessage(text, toolCalls),
      logprobs: null,
      finish_reason: toFinishReason(candidate.finishReason, toolCalls.length > 0) ?? 'stop'
    }
  })
  // a blocked prompt has no candidates at all
  if (choices.length === 0) choices.push({ index: 0, message: assistantMessage(null, []), logprobs: null, finish_reason: 'content_filter' })
  return {
    id: completionId(response.responseId),
    object: 'chat.completion',
    created: unixNow(),
    model: response.modelVersion ?? model,
    choices,
    usage: toUsage(response.usageMetadata ?? {})
  }
}
