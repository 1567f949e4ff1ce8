import { decodedStream } from '#upstream/decoded-stream.js'
import { modelsListProbe } from '../connection-probe.js'
import { messageOfErrorText, midStreamError, parseJson, truncatedStreamError, type UpstreamRequest } from '#upstream/http.js'
import { requireCompletion } from '#upstream/answer-check.js'
import { JsonPayload } from '#upstream/payload.js'
import { bearerHeaders, openAIEmbeddings, openAIImages } from './media.js'
import { openAIVideo } from './video.js'
import { openAIAudio } from './audio.js'
import { openAIResponses } from './responses.js'
import type { ChatChunkStream, ChatCompletion, ChatCompletionChunk, ChatRequest, ProviderAdapter, StreamDecoder, UpstreamCall, Usage } from '#upstream/types.js'

/*
 * OpenAI, DeepSeek, xAI, OpenRouter and Ollama all speak OpenAI Chat Completions, so this adapter only
 * swaps the model name, asks for streamed usage, and relays the upstream's bytes. Unknown request
 * fields pass through, so new upstream parameters work without a gateway release.
 */

// cheap tests on the raw text, so only the few chunks that matter get parsed
const HAS_USAGE = /"usage"\s*:\s*\{/
const IS_ERROR = /^\s*\{\s*"error"\s*:/

function upstreamRequest (request: ChatRequest, call: UpstreamCall, stream: boolean): UpstreamRequest {
  return { path: '/chat/completions', headers: bearerHeaders(call), body: requestBody(request, call, stream) }
}

function requestBody (request: ChatRequest, call: UpstreamCall, stream: boolean): string {
  const body: Record<string, unknown> = { ...request, model: call.model, stream }
  // usage is always needed for metering; chunks the client did not ask for are dropped on the way out; the cost is
  // Hubgate's to add (upstreams may refuse an option they do not know)
  if (stream) {
    const { include_cost: _gateway, ...options } = request.stream_options ?? {}
    body.stream_options = { ...options, include_usage: true }
  } else delete body.stream_options
  return JSON.stringify(body)
}

async function complete (request: ChatRequest, call: UpstreamCall): Promise<JsonPayload<ChatCompletion>> {
  const text = await call.http.postJsonForText(call, upstreamRequest(request, call, false))
  const value = requireCompletion(parseJson<unknown>(text, call), call)
  return JsonPayload.fromBoth(text, value).withUsage(meteredUsage(value.usage))
}

/**
 * The usage metering reads: OpenAI's fields as they are (cache reads, reasoning and audio in the details); DeepSeek's
 * cache hits (`prompt_cache_hit_tokens`) as cache reads when it does not also report them in OpenAI's field.
 */
export function meteredUsage (usage: Usage | null | undefined): Usage | null | undefined {
  const hits = (usage as { prompt_cache_hit_tokens?: unknown } | null | undefined)?.prompt_cache_hit_tokens
  if (usage == null || typeof hits !== 'number' || usage.prompt_tokens_details?.cached_tokens !== undefined) return usage
  return { ...usage, prompt_tokens_details: { ...usage.prompt_tokens_details, cached_tokens: hits } }
}

async function stream (request: ChatRequest, call: UpstreamCall): Promise<ChatChunkStream> {
  const body = await call.http.postJsonForStream(call, upstreamRequest(request, call, true))
  return decodedStream(body, call, relay(call))
}

/** The upstream's events relayed as they are; only usage chunks are parsed (for metering). */
function relay (call: UpstreamCall): StreamDecoder {
  return {
    event ({ event, data }, emit) {
      if (data === '[DONE]') return true
      if (event === 'error' || IS_ERROR.test(data)) throw midStreamError(call, messageOfErrorText(data))
      if (!HAS_USAGE.test(data)) {
        emit(JsonPayload.fromText<ChatCompletionChunk>(data))
        return false
      }
      const value = parseJson<ChatCompletionChunk>(data, call)
      const usageOnly = Array.isArray(value.choices) && value.choices.length === 0
      emit(JsonPayload.fromBoth(data, value).withUsage(meteredUsage(value.usage), usageOnly))
      return false
    },
    end () {
      throw truncatedStreamError(call)
    }
  }
}

/** Everything an OpenAI-compatible upstream serves through the gateway: chat (streamed or not), embeddings, images, video, audio, and Responses (OpenAI's own). */
export const openAICompatibleAdapter: ProviderAdapter = {
  kind: 'openai-compatible',
  chat: { complete, stream },
  embeddings: openAIEmbeddings,
  images: openAIImages,
  responses: openAIResponses,
  video: openAIVideo,
  audio: openAIAudio,
  connectionProbe: modelsListProbe('/models', (key): Record<string, string> => key === undefined ? {} : { authorization: `Bearer ${key}` })
}
