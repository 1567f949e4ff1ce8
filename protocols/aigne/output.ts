import type { AigneChatOutputType, AigneUsageType } from '#schemas/aigne.js'
import { sseData } from '#upstream/sse.js'
import type { StreamFormat } from '#upstream/stream-body.js'
import type { ChatChunk, Usage } from '#upstream/types.js'
import { toAigneToolCall } from './chat.js'
import { ChunkAccumulator, type ChatSummary } from '../chat-summary.js'
import { chatCredits, type ModelRates } from '#catalog/call-cost.js'

/** How to present one answer: the model name as the client asked for it, JSON mode, and the catalog price if any. */
export interface AigneAnswerPlan {
  model: string
  /** responseFormat json_schema was asked for: the text is the JSON document, answered as `json`. */
  jsonMode: boolean
  price: ModelRates | undefined
}

const NO_TOKENS: Usage = { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 }

/** AIGNE usage where the format requires one (images, embeddings): zeros when the provider reported none. */
export function aigneUsageOrZero (usage: Usage | undefined, price: ModelRates | undefined): AigneUsageType {
  return aigneUsage(usage ?? NO_TOKENS, price) as AigneUsageType
}

/** AIGNE usage; credits only when the catalog prices the model (rates per 1M tokens). */
export function aigneUsage (usage: Usage | undefined, price: ModelRates | undefined): AigneUsageType | undefined {
  if (usage === undefined) return undefined
  const cached = usage.prompt_tokens_details?.cached_tokens
  const written = (usage.prompt_tokens_details?.cache_write_tokens ?? 0) + (usage.prompt_tokens_details?.cache_write_1h_tokens ?? 0)
  return {
    inputTokens: usage.prompt_tokens,
    outputTokens: usage.completion_tokens,
    ...(typeof cached === 'number' && cached > 0 ? { cacheReadInputTokens: cached } : {}),
    ...(written > 0 ? { cacheCreationInputTokens: written } : {}),
    ...(price !== undefined ? { aigneHubCredits: chatCredits(price, usage) ?? 0 } : {})
  }
}

function parseObject (text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text)
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? value as Record<string, unknown> : undefined
  } catch {
    return undefined
  }
}

/**
 * The answer's fields. In JSON mode a text that parses as an object becomes `json` (and no `text`); one that
 * does not stays `text`, so the client's schema check fails visibly (and it retries) instead of getting nothing.
 */
export function aigneOutput (summary: ChatSummary, plan: AigneAnswerPlan): AigneChatOutputType {
  const json = plan.jsonMode && summary.toolCalls.length === 0 ? parseObject(summary.text) : undefined
  const usage = aigneUsage(summary.usage, plan.price)
  return {
    ...(json === undefined && summary.text !== '' ? { text: summary.text } : {}),
    ...(summary.reasoning !== '' ? { thoughts: summary.reasoning } : {}),
    ...(json !== undefined ? { json } : {}),
    ...(summary.toolCalls.length > 0 ? { toolCalls: summary.toolCalls.map(toAigneToolCall) } : {}),
    ...(usage !== undefined ? { usage } : {}),
    model: plan.model
  }
}

const event = (delta: object): string => sseData(JSON.stringify({ delta }))

/**
 * The AIGNE stream: the model first, text (and reasoning) as it arrives, then one JSON delta with what is
 * only known at the end (tool calls, the parsed `json`, usage). No `[DONE]`: the body simply ends. A
 * failure after the start is `event: error` with the message, then the end.
 */
export function aigneStreamFormat (plan: AigneAnswerPlan, describe: (err: unknown) => string): StreamFormat {
  const accumulator = new ChunkAccumulator()
  return {
    open: () => event({ json: { model: plan.model } }),
    chunk (chunk) {
      const piece = accumulator.add(chunk)
      let out = ''
      if (piece.reasoning !== '') out += event({ text: { thoughts: piece.reasoning } })
      if (piece.text !== '' && !plan.jsonMode) out += event({ text: { text: piece.text } })
      return out
    },
    close () {
      // text and thoughts were streamed already, except in JSON mode where the text is held back
      const { text, thoughts, model, ...rest } = aigneOutput(accumulator.summary(), plan)
      const last = plan.jsonMode && text !== undefined ? { text, ...rest } : rest
      return Object.keys(last).length > 0 ? event({ json: last }) : ''
    },
    fail: (err) => `event: error\n${sseData(JSON.stringify({ message: describe(err) }))}`
  }
}
