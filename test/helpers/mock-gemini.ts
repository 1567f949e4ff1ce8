import type { MockHandler, RecordedRequest, StreamOptions } from './mock-server.js'
import { sendJson, streamEvents } from './mock-server.js'

/** Gemini API wire format (generateContent / streamGenerateContent?alt=sse), as the Gemini API reference shows it. */

export interface GeminiFunctionCall { name: string, args: Record<string, unknown>, thoughtSignature?: string }

export interface GeminiAnswer {
  /** Text pieces: one per streamed event (joined for a non-streamed answer). */
  text?: string[]
  functionCalls?: GeminiFunctionCall[]
  finishReason?: string
  /** Other usageMetadata fields (cachedContentTokenCount, toolUsePromptTokenCount, *TokensDetails) are sent as given. */
  usage?: { promptTokenCount: number, candidatesTokenCount: number, thoughtsTokenCount?: number, toolUsePromptTokenCount?: number, [field: string]: unknown }
  modelVersion?: string
}

const DEFAULT_USAGE: NonNullable<GeminiAnswer['usage']> = { promptTokenCount: 8, candidatesTokenCount: 5 }

function usageMetadata (answer: GeminiAnswer): Record<string, unknown> {
  const u = answer.usage ?? DEFAULT_USAGE
  const totalTokenCount = u.promptTokenCount + u.candidatesTokenCount + (u.thoughtsTokenCount ?? 0) + (u.toolUsePromptTokenCount ?? 0)
  return { totalTokenCount, promptTokensDetails: [{ modality: 'TEXT', tokenCount: u.promptTokenCount }], ...u }
}

function callParts (answer: GeminiAnswer): Array<Record<string, unknown>> {
  return (answer.functionCalls ?? []).map(({ thoughtSignature, ...call }) => ({ functionCall: call, ...(thoughtSignature !== undefined ? { thoughtSignature } : {}) }))
}

function envelope (answer: GeminiAnswer, parts: Array<Record<string, unknown>>, last: boolean): Record<string, unknown> {
  return {
    candidates: [{ content: { parts, role: 'model' }, ...(last ? { finishReason: answer.finishReason ?? 'STOP' } : {}), index: 0 }],
    usageMetadata: last ? usageMetadata(answer) : { promptTokenCount: (answer.usage ?? DEFAULT_USAGE).promptTokenCount, totalTokenCount: (answer.usage ?? DEFAULT_USAGE).promptTokenCount },
    modelVersion: answer.modelVersion ?? 'gemini-2.5-flash',
    responseId: 'mcbRaIT0Dp2vz7IPtqWQwQo'
  }
}

export function geminiResponse (answer: GeminiAnswer): Record<string, unknown> {
  const text = (answer.text ?? []).join('')
  return envelope(answer, [...(text !== '' ? [{ text }] : []), ...callParts(answer)], true)
}

/** One SSE event per text piece (CRLF-framed, as Google's servers send), function calls and the finish in the last. */
export function geminiEvents (answer: GeminiAnswer): string[] {
  const pieces = answer.text ?? []
  const events = pieces.slice(0, -1).map((text) => envelope(answer, [{ text }], false))
  const lastText = pieces.at(-1)
  events.push(envelope(answer, [...(lastText !== undefined ? [{ text: lastText }] : []), ...callParts(answer)], true))
  return events.map((e) => `data: ${JSON.stringify(e)}\r\n\r\n`)
}

export const geminiMock = {
  answer (answer: GeminiAnswer, options: StreamOptions = {}): MockHandler {
    return async (req: RecordedRequest, res) => {
      if (!req.url.includes(':streamGenerateContent')) return sendJson(res, 200, geminiResponse(answer))
      await streamEvents(res, geminiEvents(answer), options)
    }
  },

  error (status: number, message: string, statusText = 'INVALID_ARGUMENT'): MockHandler {
    return (_req, res) => sendJson(res, status, { error: { code: status, message, status: statusText } })
  }
}
