import { bodyPieces, parseJson, readText, type UpstreamResponse } from '../http.js'
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

async function send (request: ChatRequest, call: UpstreamCall, stream: boolean): Promise<UpstreamResponse> {
  const method = stream ? 'streamGenerateContent?alt=sse' : 'generateContent'
  const path = `/models/${encodeURIComponent(call.model)}:${method}`
  return await call.http.postJson(call, path, headers(call), JSON.stringify(toGeminiRequest(request)))
}

async function complete (request: ChatRequest, call: UpstreamCall): Promise<JsonPayload<ChatCompletion>> {
  const response = await send(request, call, false)
  const completion = toChatCompletion(parseJson<GeminiResponse>(await readText(response, call), call), call.model)
  return JsonPayload.fromValue(completion).withUsage(completion.usage)
}

async function stream (request: ChatRequest, call: UpstreamCall): Promise<AsyncIterable<ChatChunk>> {
  const response = await send(request, call, true)
  return translateStream(parseSse(bodyPieces(response, call)), call)
}

export const geminiAdapter: ProviderAdapter = { kind: 'gemini', chat: { complete, stream } }
