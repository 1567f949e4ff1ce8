import { bodyPieces, parseJson, readText } from '../http.js'
import { JsonPayload } from '../payload.js'
import { parseSse } from '../sse.js'
import type { ChatChunk, ChatCompletion, ChatRequest, ProviderAdapter, UpstreamCall } from '../types.js'
import { toGeminiRequest } from './request.js'
import { toChatCompletion, type GeminiResponse } from './response.js'
import { translateStream } from './stream.js'

/** Google Gemini API (POST {GEMINI_BASE_URL}/models/{model}:generateContent | :streamGenerateContent?alt=sse), translated both ways. */

function headers (call: UpstreamCall): Record<string, string> {
  // the header, not ?key=, so the credential never appears in a URL (and so in no proxy or access log)
  return { 'x-goog-api-key': call.provider.apiKey ?? '' }
}

function path (call: UpstreamCall, method: 'generateContent' | 'streamGenerateContent?alt=sse'): string {
  return `/models/${encodeURIComponent(call.model)}:${method}`
}

async function complete (request: ChatRequest, call: UpstreamCall): Promise<JsonPayload<ChatCompletion>> {
  const body = JSON.stringify(toGeminiRequest(request))
  const response = await call.http.postJson(call, path(call, 'generateContent'), headers(call), body)
  const completion = toChatCompletion(parseJson<GeminiResponse>(await readText(response, call), call), call.model)
  return JsonPayload.fromValue(completion).withUsage(completion.usage)
}

async function stream (request: ChatRequest, call: UpstreamCall): Promise<AsyncIterable<ChatChunk>> {
  const body = JSON.stringify(toGeminiRequest(request))
  const response = await call.http.postJson(call, path(call, 'streamGenerateContent?alt=sse'), headers(call), body)
  return translateStream(parseSse(bodyPieces(response, call)), call)
}

export const geminiAdapter: ProviderAdapter = { kind: 'gemini', chat: { complete, stream } }
