import { messageOfErrorText, midStreamError, parseJson, readText, truncatedStreamError, upstreamEvents, type UpstreamResponse } from '../http.js'
import { JsonPayload } from '../payload.js'
import type { SseEvent } from '../sse.js'
import type { ChatChunk, ChatCompletion, ChatCompletionChunk, ChatRequest, ProviderAdapter, UpstreamCall } from '../types.js'

/*
 * OpenAI, DeepSeek, xAI, OpenRouter and Ollama all speak OpenAI Chat Completions, so this adapter only
 * swaps the model name, asks for streamed usage, and relays the upstream's bytes. Unknown request
 * fields pass through, so new upstream parameters work without a gateway release.
 */

// cheap tests on the raw text, so only the few chunks that matter get parsed
const HAS_USAGE = /"usage"\s*:\s*\{/
const IS_ERROR = /^\s*\{\s*"error"\s*:/

function requestBody (request: ChatRequest, call: UpstreamCall, stream: boolean): string {
  const body: Record<string, unknown> = { ...request, model: call.model, stream }
  // usage is always needed for metering; chunks the client did not ask for are dropped on the way out
  if (stream) body.stream_options = { ...request.stream_options, include_usage: true }
  else delete body.stream_options
  return JSON.stringify(body)
}

function headers (call: UpstreamCall): Record<string, string> {
  const { apiKey } = call.provider
  return apiKey === undefined ? {} : { authorization: `Bearer ${apiKey}` }
}

function send (request: ChatRequest, call: UpstreamCall, stream: boolean): Promise<UpstreamResponse> {
  return call.http.postJson(call, '/chat/completions', headers(call), requestBody(request, call, stream))
}

async function complete (request: ChatRequest, call: UpstreamCall): Promise<JsonPayload<ChatCompletion>> {
  const response = await send(request, call, false)
  const text = await readText(response, call)
  const value = parseJson<ChatCompletion>(text, call)
  return JsonPayload.fromBoth(text, value).withUsage(value.usage)
}

async function stream (request: ChatRequest, call: UpstreamCall): Promise<AsyncIterable<ChatChunk>> {
  const response = await send(request, call, true)
  return relay(upstreamEvents(response, call), call)
}

async function * relay (events: AsyncIterable<SseEvent>, call: UpstreamCall): AsyncGenerator<ChatChunk> {
  for await (const { event, data } of events) {
    if (data === '[DONE]') return
    if (event === 'error' || IS_ERROR.test(data)) throw midStreamError(call, messageOfErrorText(data))
    if (!HAS_USAGE.test(data)) {
      yield JsonPayload.fromText<ChatCompletionChunk>(data)
      continue
    }
    const value = parseJson<ChatCompletionChunk>(data, call)
    const usageOnly = Array.isArray(value.choices) && value.choices.length === 0
    yield JsonPayload.fromBoth(data, value).withUsage(value.usage ?? undefined, usageOnly)
  }
  throw truncatedStreamError(call)
}

export const openAICompatibleAdapter: ProviderAdapter = { kind: 'openai-compatible', chat: { complete, stream } }
