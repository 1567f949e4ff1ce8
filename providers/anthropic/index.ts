import type { UpstreamRequest } from '#upstream/http.js'
import { translatingChatAdapter } from '../translating-adapter.js'
import type { ChatRequest, ProviderAdapter, UpstreamCall } from '#upstream/types.js'
import { toAnthropicRequest } from './request.js'
import { toChatCompletion, type AnthropicResponse } from './response.js'
import { streamDecoder } from './stream.js'
import { modelsListProbe } from '../connection-probe.js'
import { anthropicHeaders, API_VERSION, nativeMessages } from './messages.js'

/** Anthropic Messages API (POST {ANTHROPIC_BASE_URL}/v1/messages), translated both ways for chat. */
function upstreamRequest (request: ChatRequest, call: UpstreamCall, stream: boolean): UpstreamRequest {
  return { path: '/v1/messages', headers: anthropicHeaders(call), body: JSON.stringify(toAnthropicRequest(request, call.model, stream)) }
}

/**
 * Everything Anthropic serves through the gateway: chat, streamed or not, and its own Messages API natively
 * (it has no embeddings or images API).
 */
export const anthropicAdapter: ProviderAdapter = {
  kind: 'anthropic',
  chat: translatingChatAdapter<AnthropicResponse>({ upstreamRequest, toCompletion: (response) => toChatCompletion(response), streamDecoder }),
  messages: nativeMessages,
  connectionProbe: modelsListProbe('/v1/models', (key) => ({ 'x-api-key': key ?? '', 'anthropic-version': API_VERSION }))
}
