import { bodyPieces, parseJson, readText, type UpstreamResponse } from '../http.js'
import { JsonPayload } from '../payload.js'
import { parseSse } from '../sse.js'
import type { ChatChunk, ChatCompletion, ChatRequest, ProviderAdapter, UpstreamCall } from '../types.js'
import { toAnthropicRequest } from './request.js'
import { toChatCompletion, type AnthropicResponse } from './response.js'
import { translateStream } from './stream.js'

/** Anthropic Messages API (POST {ANTHROPIC_BASE_URL}/v1/messages), translated both ways. */
const API_VERSION = '2023-06-01'

function headers (call: UpstreamCall): Record<string, string> {
  return { 'x-api-key': call.provider.apiKey ?? '', 'anthropic-version': API_VERSION }
}

async function send (request: ChatRequest, call: UpstreamCall, stream: boolean): Promise<UpstreamResponse> {
  const body = JSON.stringify(toAnthropicRequest(request, call.model, stream))
  return await call.http.postJson(call, '/v1/messages', headers(call), body)
}

async function complete (request: ChatRequest, call: UpstreamCall): Promise<JsonPayload<ChatCompletion>> {
  const response = await send(request, call, false)
  const completion = toChatCompletion(parseJson<AnthropicResponse>(await readText(response, call), call))
  return JsonPayload.fromValue(completion).withUsage(completion.usage)
}

async function stream (request: ChatRequest, call: UpstreamCall): Promise<AsyncIterable<ChatChunk>> {
  const response = await send(request, call, true)
  return translateStream(parseSse(bodyPieces(response, call)), call)
}

export const anthropicAdapter: ProviderAdapter = { kind: 'anthropic', chat: { complete, stream } }
