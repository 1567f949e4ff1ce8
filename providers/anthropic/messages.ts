import { UpstreamFailedError } from '#errors.js'
import { decodedStream } from '#upstream/decoded-stream.js'
import { midStreamError, parseJson, truncatedStreamError, type UpstreamRequest } from '#upstream/http.js'
import { reportedUsage } from '#upstream/answer-check.js'
import { JsonPayload } from '#upstream/payload.js'
import type { MessagesAdapter, MessagesRequest, RelayedEvent, StreamDecoder, UpstreamCall, Usage } from '#upstream/types.js'
import { StreamUsage, toUsage, type AnthropicResponse, type AnthropicUsage } from './response.js'

/** The Messages API version the gateway speaks to Anthropic (its one stable version). */
export const API_VERSION = '2023-06-01'

/** Headers of every Anthropic call: the credential, the API version, and the beta features the client asked for. */
export function anthropicHeaders (call: UpstreamCall, beta?: string): Record<string, string> {
  const headers: Record<string, string> = { 'x-api-key': call.provider.apiKey ?? '', 'anthropic-version': API_VERSION }
  if (beta !== undefined) headers['anthropic-beta'] = beta
  return headers
}

/** The client's body as sent, with the upstream's model name (and `stream` as this call needs it). */
function nativeRequest (path: string, request: MessagesRequest<object>, call: UpstreamCall, stream?: boolean): UpstreamRequest {
  const body: Record<string, unknown> = { ...request.body, model: call.model }
  if (stream === true) body.stream = true
  else delete body.stream
  return { path, headers: anthropicHeaders(call, request.beta), body: JSON.stringify(body) }
}

function unreadable (call: UpstreamCall): Error {
  return new UpstreamFailedError(`Provider ${call.provider.id} sent an answer the gateway could not read.`)
}

/**
 * Anthropic's events relayed untouched (name and data as sent). Only message_start and message_delta are parsed, for
 * the usage they report (cache reads and writes included); an error event ends the stream with the provider's message.
 */
function relayDecoder (call: UpstreamCall): StreamDecoder<RelayedEvent> {
  const usage = new StreamUsage()
  return {
    event ({ event, data }, emit) {
      const type = event ?? parseJson<{ type?: string }>(data, call).type
      let reported: Usage | undefined
      if (type === 'message_start') {
        reported = usage.started(parseJson<{ message?: { usage?: AnthropicUsage } }>(data, call).message?.usage)
      } else if (type === 'message_delta') {
        reported = usage.delta(parseJson<{ usage?: AnthropicUsage }>(data, call).usage)
      } else if (type === 'error') {
        const failure = parseJson<{ error?: { type?: string, message?: string } }>(data, call).error
        throw midStreamError(call, failure?.message ?? '', failure?.type === 'rate_limit_error')
      }
      emit({ event, data, usage: reportedUsage(reported), usageOnly: type !== 'content_block_delta' })
      return type === 'message_stop'
    },
    end () {
      throw truncatedStreamError(call)
    }
  }
}

/** Anthropic's Messages API passed through: what an Anthropic client sends reaches Anthropic as is, and back. */
export const nativeMessages: MessagesAdapter = {
  async complete (request, call) {
    const text = await call.http.postJsonForText(call, nativeRequest('/v1/messages', request, call))
    const answer = parseJson<AnthropicResponse | null>(text, call)
    if (answer === null || typeof answer !== 'object' || !Array.isArray(answer.content)) throw unreadable(call)
    return JsonPayload.fromBoth<unknown>(text, answer).withUsage(toUsage(answer.usage ?? {}))
  },
  async stream (request, call) {
    const body = await call.http.postJsonForStream(call, nativeRequest('/v1/messages', request, call, true))
    return decodedStream(body, call, relayDecoder(call))
  },
  async countTokens (request, call) {
    const text = await call.http.postJsonForText(call, nativeRequest('/v1/messages/count_tokens', request, call))
    const answer = parseJson<{ input_tokens?: unknown } | null>(text, call)
    if (typeof answer?.input_tokens !== 'number') throw unreadable(call)
    return JsonPayload.fromBoth(text, answer as { input_tokens: number })
  }
}
