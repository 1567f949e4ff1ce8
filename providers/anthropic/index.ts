import type { UpstreamRequest } from '#upstream/http.js'
import { translatingChatAdapter } from '../translating-adapter.js'
import type { ChatRequest, ProviderAdapter, UpstreamCall } from '#upstream/types.js'
import { toAnthropicRequest } from './request.js'
import { toChatCompletion, type AnthropicResponse } from './response.js'
import { streamDecoder } from './stream.js'

/** Anthropic Messages API (POST {ANTHROPIC_BASE_URL}/v1/messages), translated both ways. */
const API_VERSION = '2023-06-01'

function upstreamRequest (request: ChatRequest, call: UpstreamCall, stream: boolean): UpstreamRequest {
  const headers = { 'x-api-key': call.provider.apiKey ?? '', 'anthropic-version': API_VERSION }
  return { path: '/v1/messages', headers, body: JSON.stringify(toAnthropicRequest(request, call.model, stream)) }
}

/** Everything Anthropic serves through the gateway: chat, streamed or not (it has no embeddings or images API). */
export const anthropicAdapter: ProviderAdapter = {
  kind: 'anthropic',
  chat: translatingChatAdapter<AnthropicResponse>({ upstreamRequest, toCompletion: (response) => toChatCompletion(response), streamDecoder })
}
