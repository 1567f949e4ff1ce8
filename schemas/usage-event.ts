/** What kind of model call a usage event describes (how it is reserved and priced). */
export type CallKind = 'chat' | 'embedding' | 'image' | 'video' | 'transcription' | 'speech'

/**
 * What parts of a call's prompt and completion tokens were (each is part of the prompt or completion count, absent
 * or 0 when the provider reported none): they are priced at their own rates (catalog/call-cost.ts).
 */
export interface TokenDetails {
  /** Prompt tokens read from the provider's cache. */
  cachedTokens?: number | undefined
  /** Prompt tokens written to the cache: 5-minute writes (Anthropic) / 1-hour writes. */
  cacheWriteTokens?: number | undefined
  cacheWrite1hTokens?: number | undefined
  /** Completion tokens spent reasoning (thinking). */
  reasoningTokens?: number | undefined
  /** Audio tokens in the prompt / the completion. */
  audioInputTokens?: number | undefined
  audioOutputTokens?: number | undefined
}

/**
 * One model call as metering sees it. Emitted exactly once per chat request that passed
 * authentication and validation: on success, on failure (before or during the stream) and on abort.
 */
export interface UsageEvent extends TokenDetails {
  /** Fastify request id (x-request-id when the caller sent a sane one). */
  requestId: string
  /** Principal id: an access key id, or `jwt:<sub>` for services. */
  principalId: string
  /** The app the caller named in x-aigne-hub-client-did (gateway/request-context.ts clientApp); '' or absent for none. */
  app?: string
  /** The model that answered (or failed last): `provider/model`. The client's unless a fallback took over. */
  model: string
  /** The model the client asked for, present only when a catalog fallback answered instead. */
  requestedModel?: string
  /** Upstream attempts made, retries and fallbacks included (0: refused before reaching any provider). */
  attempts?: number
  /** Provider id, the part of `model` before the first "/". */
  provider: string
  /** Model id sent upstream (the part after the first "/"). */
  upstreamModel: string
  /** What was called: chat, embedding or image (each is priced its own way: catalog/call-cost.ts). */
  kind: CallKind
  /** Token counts as the provider reported them; 0 when it never said (failed or aborted early). */
  promptTokens: number
  completionTokens: number
  totalTokens: number
  /** The token counts are the gateway's estimate: the provider reported none (see upstream/token-estimate.ts). */
  usageEstimated?: boolean
  /** Image calls: images returned, and the size and quality asked for (the per-image rate depends on them). */
  images?: number
  imageSize?: string
  imageQuality?: string
  /** Video and audio calls: seconds generated, transcribed or spoken, and characters of speech input (priced per second / character). */
  seconds?: number
  characters?: number
  streamed: boolean
  /** HTTP status the client got: 200 for a stream that started, even if it broke later; 499 for a client that left before any answer. */
  status: number
  /** Client-safe description of what went wrong, when something did. */
  error?: string
  /** From the start of the call to its end (last byte relayed or failure). */
  latencyMs: number
  /** Streams: until the first chunk; non-streamed calls: equal to latencyMs (the upstream answers all at once). */
  ttfbMs: number
  /**
   * What the call costs in credits, priced once when it ends (catalog/call-cost.ts) for everything that charges it:
   * the answer's cost, the key's budget settlement and the usage record. Absent: the model has no price.
   */
  credits?: number
  /** The client went away before the answer was complete; the upstream request was aborted. */
  clientAborted: boolean
}
