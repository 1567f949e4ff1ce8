import { UpstreamFailedError } from '#errors.js'
import { decodedStream } from '#upstream/decoded-stream.js'
import type { StreamParser } from '#upstream/sse.js'
import { parseJson, type UpstreamRequest } from '#upstream/http.js'
import { requireCompletion } from '#upstream/answer-check.js'
import { JsonPayload } from '#upstream/payload.js'
import type { ChatAdapter, ChatCompletion, ChatRequest, StreamDecoder, UpstreamCall } from '#upstream/types.js'

/** What a provider with its own wire format supplies; the HTTP and SSE plumbing around it is shared. */
export interface WireTranslation<Response> {
  /** The request in the provider's format (streamed or not); a promise where it must be signed (Bedrock). */
  upstreamRequest: (request: ChatRequest, call: UpstreamCall, stream: boolean) => UpstreamRequest | Promise<UpstreamRequest>
  /** The provider's whole answer → an OpenAI chat.completion. */
  toCompletion: (response: Response, call: UpstreamCall) => ChatCompletion
  /** The provider's SSE events → OpenAI chunks, ending with the usage-only chunk (one decoder per stream). */
  streamDecoder: (call: UpstreamCall) => StreamDecoder
  /** How the streamed body is framed, when not SSE (one parser per stream). */
  streamParser?: () => StreamParser
}

/** A chat adapter for a provider whose wire format is translated both ways (Anthropic, Gemini, Bedrock). */
export function translatingChatAdapter<Response> (wire: WireTranslation<Response>): ChatAdapter {
  return {
    async complete (request, call) {
      const answer = parseJson<Response>(await call.http.postJsonForText(call, await wire.upstreamRequest(request, call, false)), call)
      let completion: ChatCompletion
      try {
        completion = wire.toCompletion(answer, call)
      } catch (err) {
        // JSON, but not the shape the provider documents: its failure (502), not the gateway's (500)
        throw new UpstreamFailedError(`Provider ${call.provider.id} sent an answer the gateway could not read.`, { cause: err })
      }
      // a translation that went through may still carry what the provider left out (a tool call without a name)
      return JsonPayload.fromValue(requireCompletion(completion, call)).withUsage(completion.usage)
    },
    async stream (request, call) {
      const body = await call.http.postJsonForStream(call, await wire.upstreamRequest(request, call, true))
      return decodedStream(body, call, wire.streamDecoder(call), wire.streamParser?.())
    }
  }
}
