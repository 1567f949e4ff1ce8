import type { UpstreamRequest } from '#upstream/http.js'
import { modelsListProbe } from '../connection-probe.js'
import { translatingChatAdapter } from '../translating-adapter.js'
import type { ChatRequest, ProviderAdapter, UpstreamCall } from '#upstream/types.js'
import { toGeminiRequest } from './request.js'
import { toChatCompletion, type GeminiResponse } from './response.js'
import { streamDecoder } from './stream.js'
import { geminiEmbeddings } from './embeddings.js'
import { geminiImages } from './images.js'
import { geminiVideo } from './video.js'

/** Google Gemini API (POST {GEMINI_BASE_URL}/models/{model}:generateContent | :streamGenerateContent?alt=sse), translated both ways. */

function upstreamRequest (request: ChatRequest, call: UpstreamCall, stream: boolean): UpstreamRequest {
  const method = stream ? 'streamGenerateContent?alt=sse' : 'generateContent'
  // the key goes in a header, not ?key=, so it never appears in a URL (and so in no proxy or access log)
  const headers = { 'x-goog-api-key': call.provider.apiKey ?? '' }
  return { path: `/models/${encodeURIComponent(call.model)}:${method}`, headers, body: JSON.stringify(toGeminiRequest(request)) }
}

/** Everything Gemini serves through the gateway: chat (streamed or not), embeddings, images and video (Veo). */
export const geminiAdapter: ProviderAdapter = {
  kind: 'gemini',
  chat: translatingChatAdapter<GeminiResponse>({ upstreamRequest, toCompletion: (response, call) => toChatCompletion(response, call.model), streamDecoder }),
  embeddings: geminiEmbeddings,
  images: geminiImages,
  video: geminiVideo,
  connectionProbe: modelsListProbe('/models', (key) => ({ 'x-goog-api-key': key ?? '' }))
}
