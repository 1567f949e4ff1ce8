import type { AdapterKind } from '#schemas/providers.js'
import type { ClientSignal } from './client-signal.js'
import type {
  ChatCompletionChunkType, ChatCompletionRequestType, ChatCompletionType, UsageType
} from '#schemas/chat.js'
import type { EmbeddingsRequestType, EmbeddingsResponseType } from '#schemas/embeddings.js'
import type { CountTokensRequestType, MessagesRequestType } from '#schemas/anthropic.js'
import type { ImagesRequestType, ImagesResponseType } from '#schemas/images.js'
import type { IncomingHttpHeaders } from 'node:http'
import type { UpstreamHttp, UpstreamRequest } from './http.js'
import type { JsonPayload } from './payload.js'
import type { SseEvent } from './sse.js'

/** The gateway's internal shapes are OpenAI Chat Completions; each provider folder translates to and from them. */
export type ChatRequest = ChatCompletionRequestType
export type ChatCompletion = ChatCompletionType
export type ChatCompletionChunk = ChatCompletionChunkType
export type Usage = UsageType
/** Embeddings and images use OpenAI's shapes internally too (schemas/embeddings.ts, schemas/images.ts). */
export type EmbeddingsRequest = EmbeddingsRequestType
export type EmbeddingsResponse = EmbeddingsResponseType
export type ImagesRequest = ImagesRequestType
export type ImagesResponse = ImagesResponseType

/** Wire formats with an adapter in providers/<kind>/. */
export type { AdapterKind }

/** One upstream as the registry knows it, whatever its source (environment today, the store later). */
export interface ProviderConfig {
  /** Routing id: the part of a model name before the first "/" ("openai" in "openai/gpt-4o"). */
  id: string
  kind: AdapterKind
  displayName: string
  /** API root, e.g. https://api.openai.com/v1 (see catalog/builtin-providers.ts for each kind's convention). */
  baseUrl: string
  /** Credential sent upstream; undefined for keyless upstreams (Ollama). Never logged or shown. */
  apiKey?: string | undefined
  /** Model ids offered, without the provider prefix. "*" also admits any other name (not listed by /models). */
  models: readonly string[]
  /** Where this entry came from ("env", later "store"), for logs and the admin UI. */
  source: string
  /** The price package's provider that prices its models: an id, null for none, 'auto' or absent to match the base URL. */
  priceProvider?: string | null | undefined
}

/** Everything an adapter needs for one upstream call. */
export interface UpstreamCall {
  provider: ProviderConfig
  /** Model id as the upstream knows it (no provider prefix). */
  model: string
  /** Aborted when the client goes away: the upstream request must stop. */
  signal: ClientSignal
  http: UpstreamHttp
}

/**
 * A streamed chunk. `text` is what goes on the wire after `data: `; pass-through providers keep the
 * upstream's bytes and parse `value` only when someone reads it.
 */
export type ChatChunk = JsonPayload<ChatCompletionChunk>

/** What the meter reads of any streamed piece: the provider's latest usage, and whether it carries content. */
export interface MeteredChunk {
  usage: Usage | undefined
  /** No content (a trailing usage chunk, a relayed event that is not a delta): not counted in a usage estimate. */
  usageOnly: boolean
}

/**
 * Where a streamed answer's chunks go. Calls are synchronous, made as each piece of the upstream body is decoded:
 * one pass per piece from socket to client, with no promise or stream hop per chunk.
 */
export interface ChunkSink<C extends MeteredChunk = ChatChunk> {
  chunk: (chunk: C) => void
  /** One piece of the upstream body is decoded: the chunks it held can go out together. */
  flush: () => void
  /** Called once: the answer is complete (`err` undefined) or failed mid-stream (a HUB_* error). */
  end: (err?: unknown) => void
}

/** The consumer's hold on a started stream: backpressure, and giving up (the client went away). */
export interface ChunkFlow {
  pause: () => void
  resume: () => void
  /** Stops the upstream; the sink hears nothing more. */
  cancel: () => void
}

/** A streamed answer pushed to one sink: `start` it exactly once. */
export interface ChunkStream<C extends MeteredChunk = ChatChunk> {
  start: (sink: ChunkSink<C>) => ChunkFlow
}

/** A streamed answer of OpenAI-style chunks. */
export type ChatChunkStream = ChunkStream<ChatChunk>

/**
 * One provider's server-sent events → chunks (OpenAI chunks, or relayed events), synchronously. Throws a HUB_* error
 * when the provider reports a failure mid-stream or the answer turns out to be cut short.
 */
export interface StreamDecoder<C extends MeteredChunk = ChatChunk> {
  /** Decodes one event; answers true at the provider's end marker (nothing after it is read). */
  event: (event: SseEvent, emit: (chunk: C) => void) => boolean
  /** The body ended before an end marker: the last chunks, or throws when the answer is incomplete. */
  end: (emit: (chunk: C) => void) => void
}

export interface ChatAdapter {
  /** Non-streamed completion. Throws a HUB_* error (errors.ts) for any failure. */
  complete (request: ChatRequest, call: UpstreamCall): Promise<JsonPayload<ChatCompletion>>
  /**
   * Streamed completion. Resolves once the upstream accepted the request (2xx headers), so errors before
   * any output still get a proper HTTP status; the iterable then yields chunks and, last, a usage-only
   * chunk (choices: [], `usageOnly` set) whenever the upstream reported usage.
   */
  stream (request: ChatRequest, call: UpstreamCall): Promise<ChatChunkStream>
}

export interface EmbeddingsAdapter {
  /** Embeds every input, answering OpenAI's shape; the payload's usage is set (completion_tokens 0). Throws HUB_* errors. */
  create (request: EmbeddingsRequest, call: UpstreamCall): Promise<JsonPayload<EmbeddingsResponse>>
}

export interface ImagesAdapter {
  /** Generates images, answering OpenAI's shape; usage is set when the provider reports tokens. Throws HUB_* errors. */
  generate (request: ImagesRequest, call: UpstreamCall): Promise<JsonPayload<ImagesResponse>>
}

/**
 * OpenAI's Responses API spoken natively (the request relayed, the answer's bytes too). Only some upstreams of a wire
 * format have it: `serves` says which; the others get Responses translated through chat (protocols/responses/).
 */
export interface ResponsesAdapter {
  serves (provider: ProviderConfig): boolean
  /** Non-streamed: the response object; usage (in chat terms, for metering) set when reported. Throws HUB_* errors. */
  create (body: Record<string, unknown>, call: UpstreamCall): Promise<JsonPayload<Record<string, unknown>>>
  /** Streamed: the upstream's events as they come (the terminal one carries usage); resolves once the upstream accepted. */
  stream (body: Record<string, unknown>, call: UpstreamCall): Promise<ChunkStream<JsonPayload<unknown>>>
}

/** An Anthropic Messages request as a client sent it, relayed natively: its body and the beta features it asks for. */
export interface MessagesRequest<Body = MessagesRequestType> {
  body: Body
  /** The client's `anthropic-beta` header (already checked), passed on. */
  beta?: string | undefined
}

/** A server-sent event relayed as the upstream sent it (name and data untouched), with the usage it reported. */
export interface RelayedEvent extends MeteredChunk {
  event: string | undefined
  data: string
}

/** The Anthropic Messages API spoken natively: the body goes upstream as sent (model swapped), the answer comes back as is. */
export interface MessagesAdapter {
  /** The whole answer's text as the provider sent it; the payload's usage is set. Throws HUB_* errors. */
  complete (request: MessagesRequest, call: UpstreamCall): Promise<JsonPayload<unknown>>
  /** The provider's events relayed one by one (resolves once the upstream accepted the request). */
  stream (request: MessagesRequest, call: UpstreamCall): Promise<ChunkStream<RelayedEvent>>
  /** The provider's own count of the request's input tokens. */
  countTokens (request: MessagesRequest<CountTokensRequestType>, call: UpstreamCall): Promise<JsonPayload<{ input_tokens: number }>>
}

/** A video to generate, in OpenAI's terms (the AIGNE VideoModel's input uses the same names). */
export interface VideoRequest {
  prompt: string
  /** Clip length asked for: what the call is charged. */
  seconds: number
  /** "1280x720" (OpenAI) or a resolution such as "720p" (Veo), passed on as the provider names it. */
  size?: string | undefined
  /** Veo: "16:9" or "9:16". */
  aspectRatio?: string | undefined
}

/** A generated video's bytes. */
export interface GeneratedVideo {
  data: Buffer
  mimeType: string
}

/** How long a video job may be polled, and what the service hears while it runs. */
export interface VideoJobControl {
  intervalMs: number
  /** Polls before giving up (a 504), whatever the time. */
  maxPolls: number
  /** Largest video taken (a bigger download is a 502). */
  maxBytes: number
  /** The provider accepted the job: it bills the video from now on, whether the client waits for it or not. */
  created: () => void
}

export interface VideoAdapter {
  /** Starts a video job, polls it until done (bounded by `control`), and downloads the video. Throws HUB_* errors. */
  generate (request: VideoRequest, call: UpstreamCall, control: VideoJobControl): Promise<GeneratedVideo>
}

/** An uploaded audio file and the other multipart fields of an OpenAI transcription request, as sent. */
export interface TranscriptionRequest {
  file: { data: Buffer, filename: string, contentType: string }
  /** Every other form field (language, prompt, response_format, …) except `model`. */
  fields: ReadonlyArray<readonly [string, string]>
}

/** The provider's transcription as the client asked for it (json, text, srt, vtt, verbose_json), and what it measured. */
export interface Transcription {
  body: string
  contentType: string
  /** Seconds of audio, when the answer says (verbose_json's duration, whisper's usage, the last subtitle's end). */
  seconds?: number | undefined
  /** Tokens, when the provider reports them (gpt-4o-transcribe). */
  usage?: Usage | undefined
}

/** The provider's spoken audio. */
export interface Speech {
  data: Buffer
  contentType: string
}

/** OpenAI's audio API: POST /audio/transcriptions (multipart) and /audio/speech (JSON in, audio out). */
export interface AudioAdapter {
  transcribe (request: TranscriptionRequest, call: UpstreamCall): Promise<Transcription>
  /** `body`: the client's JSON body (input, voice, response_format, …); the model is swapped in. */
  speak (body: Record<string, unknown>, call: UpstreamCall, maxBytes: number): Promise<Speech>
}

/**
 * The connection test's request for one wire format: the cheapest authenticated call, one that generates nothing (a
 * models list, or where the API has none a request invalid on purpose, which the API refuses only after the credential).
 */
export interface ConnectionProbe {
  /** What the request reaches, for a 404 ("models list"). */
  what: string
  /** The request, below the base URL (POST unless it says otherwise); a HUB_* error when the credential is unusable as configured. */
  request: (provider: ProviderConfig) => UpstreamRequest | Promise<UpstreamRequest>
  /** Whether the answer shows the credential accepted (never the body: only status, headers and whether it is JSON). */
  accepted: (status: number, headers: IncomingHttpHeaders, json: boolean) => boolean
}

/**
 * One wire format: chat, embeddings, images, video, audio, native Responses and native Messages where the provider's
 * API offers them (every one but Ideogram, an image API, has chat).
 */
export interface ProviderAdapter {
  kind: AdapterKind
  chat?: ChatAdapter
  embeddings?: EmbeddingsAdapter
  images?: ImagesAdapter
  responses?: ResponsesAdapter
  messages?: MessagesAdapter
  /**
   * For a credential that is more than an API key (Bedrock's AWS key pair as JSON): checks one an administrator enters
   * (throws a 400 HUB_* error when malformed) and answers the hint shown for it. Absent: any non-empty key, masked.
   */
  credentialHint?: (secret: string) => string
  /** "Test connection": the cheapest authenticated request the API offers that generates nothing. */
  connectionProbe: ConnectionProbe
  video?: VideoAdapter
  audio?: AudioAdapter
}
