import { decodedStream } from '#upstream/decoded-stream.js'
import { messageOfErrorText, midStreamError, parseJson, truncatedStreamError } from '#upstream/http.js'
import { UpstreamFailedError } from '#errors.js'
import { JsonPayload } from '#upstream/payload.js'
import type { ChunkStream, ProviderConfig, ResponsesAdapter, StreamDecoder, UpstreamCall, Usage } from '#upstream/types.js'

/*
 * OpenAI's own Responses API (POST /responses), relayed: the body goes up with the upstream's model name, the answer's
 * bytes come back untouched. Only the usage is read, from the response object (or the stream's terminal event), and
 * converted to chat terms for metering.
 */

/** OpenAI serves Responses; the other OpenAI-compatible upstreams (DeepSeek, xAI, Ollama, …) get it through chat. */
function serves (provider: ProviderConfig): boolean {
  if (provider.id === 'openai') return true
  try {
    return new URL(provider.baseUrl).hostname === 'api.openai.com'
  } catch {
    return false
  }
}

function count (value: unknown): number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : 0
}

/** A Responses `usage` (input/output tokens) → the chat usage the gateway meters; undefined when it holds no counts. */
export function chatUsageOf (usage: unknown): Usage | undefined {
  if (typeof usage !== 'object' || usage === null) return undefined
  const u = usage as Record<string, unknown> & { input_tokens_details?: Record<string, unknown>, output_tokens_details?: Record<string, unknown> }
  const input = u.input_tokens_details ?? {}
  const chat: Usage = {
    prompt_tokens: u.input_tokens as number,
    completion_tokens: u.output_tokens as number,
    total_tokens: u.total_tokens as number,
    prompt_tokens_details: { cached_tokens: count(input.cached_tokens), ...(input.cache_write_tokens !== undefined ? { cache_write_tokens: count(input.cache_write_tokens) } : {}) },
    completion_tokens_details: { reasoning_tokens: count(u.output_tokens_details?.reasoning_tokens) }
  }
  return chat
}

function upstreamRequest (body: Record<string, unknown>, call: UpstreamCall, stream: boolean): { path: string, headers: Record<string, string>, body: string } {
  const { apiKey } = call.provider
  return {
    path: '/responses',
    headers: apiKey === undefined ? {} : { authorization: `Bearer ${apiKey}` },
    body: JSON.stringify({ ...body, model: call.model, stream })
  }
}

async function create (body: Record<string, unknown>, call: UpstreamCall): Promise<JsonPayload<Record<string, unknown>>> {
  const text = await call.http.postJsonForText(call, upstreamRequest(body, call, false))
  const value = parseJson<unknown>(text, call)
  if (typeof value !== 'object' || value === null || !Array.isArray((value as { output?: unknown }).output)) {
    throw new UpstreamFailedError(`Provider ${call.provider.id} sent an answer the gateway could not read.`)
  }
  const response = value as Record<string, unknown>
  return JsonPayload.fromBoth(text, response).withUsage(chatUsageOf(response.usage))
}

// cheap tests on the raw text, so only the events that matter get parsed
const TERMINAL = /^\s*\{\s*"type"\s*:\s*"response\.(completed|incomplete|failed)"/
const FAILURE = /^\s*\{\s*"type"\s*:\s*"(error|response\.failed)"/

/** The upstream's events relayed as they are; the terminal one is parsed for usage, and ends the stream. */
function relay (call: UpstreamCall): StreamDecoder<JsonPayload<unknown>> {
  return {
    event ({ event, data }, emit) {
      if (event === 'error' || FAILURE.test(data)) {
        const failed = parseJson<{ message?: unknown, response?: { error?: { message?: unknown } } }>(data, call)
        const message = failed.response?.error?.message ?? failed.message
        throw midStreamError(call, typeof message === 'string' ? message : messageOfErrorText(data))
      }
      if (!TERMINAL.test(data)) {
        emit(JsonPayload.fromText(data))
        return false
      }
      const value = parseJson<{ response?: { usage?: unknown } }>(data, call)
      emit(JsonPayload.fromBoth<unknown>(data, value).withUsage(chatUsageOf(value.response?.usage)))
      return true
    },
    end () {
      throw truncatedStreamError(call)
    }
  }
}

async function stream (body: Record<string, unknown>, call: UpstreamCall): Promise<ChunkStream<JsonPayload<unknown>>> {
  const answer = await call.http.postJsonForStream(call, upstreamRequest(body, call, true))
  return decodedStream(answer, call, relay(call))
}

export const openAIResponses: ResponsesAdapter = { serves, create, stream }
