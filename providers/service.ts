import type { FastifyBaseLogger } from 'fastify'
import type { UsageEvent, UsageEvents } from '../lib/usage-events.js'
import { clientMessage, statusOf } from './errors.js'
import type { UpstreamHttp } from './http.js'
import type { JsonPayload } from './payload.js'
import { resolveMediaModel, type MediaKind } from './media-models.js'
import type { ProviderRegistry, ResolvedModel } from './registry.js'
import type {
  ChatChunk, ChatChunkStream, ChatCompletion, ChatRequest, EmbeddingsRequest, EmbeddingsResponse, ImagesRequest, ImagesResponse, Usage, UpstreamCall
} from './types.js'
import { checkChatRequest } from './validate.js'
import type { Admission, AdmissionTicket } from './admission.js'
import type { Principal } from '../lib/principal.js'

/** Who asks, for metering, and how to notice they left. */
export interface ChatContext {
  requestId: string
  principalId: string
  /** The caller, for admission (budgets, token limits). */
  principal?: Principal | undefined
  /** Aborted when the client goes away; the upstream request is then aborted too. */
  signal: AbortSignal
}

/**
 * The one way any route calls a chat model: validate, resolve `provider/model`, call the adapter,
 * and emit exactly one usage event per call, whether it succeeded, failed or was abandoned.
 */
export class ProviderService {
  private admission: Admission | undefined

  constructor (
    readonly registry: ProviderRegistry,
    private readonly http: UpstreamHttp,
    private readonly usageEvents: UsageEvents,
    private readonly log: FastifyBaseLogger
  ) {}

  /** Installs the check every call passes before going upstream (metering sets it: budgets, tokens per minute). */
  setAdmission (admission: Admission): void {
    this.admission = admission
  }

  /** Non-streamed chat completion (the answer keeps the upstream's bytes when it passed through untouched). */
  async chat (request: ChatRequest, context: ChatContext): Promise<JsonPayload<ChatCompletion>> {
    const meter = this.meter(request.model, context, false)
    try {
      const resolved = this.prepare(request, meter)
      await this.admitChat(request, context, meter)
      const result = await resolved.adapter.chat.complete(request, this.call(resolved, context))
      meter.usage(result.usage)
      meter.end(200)
      return result
    } catch (err) {
      throw meter.failed(err)
    }
  }

  /**
   * Streamed chat completion. Resolves once the provider accepted the request, so a failure before any
   * output rejects with a HUB_* error carrying the right status; failures later are thrown by the iteration.
   */
  async chatStream (request: ChatRequest, context: ChatContext): Promise<ChatChunkStream> {
    const meter = this.meter(request.model, context, true)
    let upstream: ChatChunkStream
    try {
      const resolved = this.prepare(request, meter)
      await this.admitChat(request, context, meter)
      upstream = await resolved.adapter.chat.stream(request, this.call(resolved, context))
    } catch (err) {
      throw meter.failed(err)
    }
    return meter.observe(upstream)
  }

  /** Embeddings (OpenAI shape in and out), metered like a chat call (completion tokens 0). */
  async embed (request: EmbeddingsRequest, context: ChatContext): Promise<JsonPayload<EmbeddingsResponse>> {
    return await this.mediaCall(request.model, 'embedding', context, async (resolved, call) =>
      await (resolved.adapter.embeddings as NonNullable<typeof resolved.adapter.embeddings>).create(request, call))
  }

  /** Image generation (OpenAI shape in and out), metered like a chat call with the tokens the provider reports. */
  async generateImages (request: ImagesRequest, context: ChatContext): Promise<JsonPayload<ImagesResponse>> {
    return await this.mediaCall(request.model, 'image', context, async (resolved, call) =>
      await (resolved.adapter.images as NonNullable<typeof resolved.adapter.images>).generate(request, call))
  }

  /** One non-streamed embeddings or image call: resolve for `kind` (resolveMediaModel checks the capability), run, meter once. */
  private async mediaCall<T> (
    model: string, kind: MediaKind, context: ChatContext,
    run: (resolved: ResolvedModel, call: UpstreamCall) => Promise<JsonPayload<T>>
  ): Promise<JsonPayload<T>> {
    const meter = this.meter(model, context, false)
    try {
      const resolved = resolveMediaModel(this.registry, model, kind)
      meter.resolved(resolved)
      if (this.admission !== undefined) {
        meter.admitted(await this.admission({ principal: context.principal, model, maxCompletionTokens: 0, promptTokensUpperBound: () => 0 }))
      }
      const result = await run(resolved, this.call(resolved, context))
      meter.usage(result.usage)
      meter.end(200)
      return result
    } catch (err) {
      throw meter.failed(err)
    }
  }

  private async admitChat (request: ChatRequest, context: ChatContext, meter: CallMeter): Promise<void> {
    if (this.admission === undefined) return
    const ticket = await this.admission({
      principal: context.principal,
      model: request.model,
      maxCompletionTokens: request.max_completion_tokens ?? request.max_tokens,
      // every token is at least one byte of the serialized messages, so their byte length bounds the prompt
      promptTokensUpperBound: () => Buffer.byteLength(JSON.stringify(request.messages)) + Buffer.byteLength(JSON.stringify(request.tools ?? []))
    })
    if (ticket?.completionTokenCap !== undefined) request.max_tokens = ticket.completionTokenCap
    meter.admitted(ticket)
  }

  private prepare (request: ChatRequest, meter: CallMeter): ResolvedModel {
    checkChatRequest(request)
    const resolved = this.registry.resolve(request.model)
    meter.resolved(resolved)
    return resolved
  }

  private call (resolved: ResolvedModel, context: ChatContext): UpstreamCall {
    return { provider: resolved.provider, model: resolved.model, signal: context.signal, http: this.http }
  }

  private meter (model: string, context: ChatContext, streamed: boolean): CallMeter {
    return new CallMeter(model, context, streamed, (event) => {
      try {
        this.usageEvents.emit('usage', event)
      } catch (err) {
        this.log.error({ err, requestId: event.requestId }, 'a usage event listener failed')
      }
    })
  }
}

/** Collects one call's numbers and emits its usage event exactly once. */
class CallMeter {
  private readonly started = performance.now()
  private firstChunkAt: number | undefined
  private latest: Usage | undefined
  private done = false
  private ticket: AdmissionTicket | undefined
  private provider: string
  private upstreamModel: string

  constructor (
    private readonly model: string,
    private readonly context: ChatContext,
    private readonly streamed: boolean,
    private readonly emit: (event: UsageEvent) => void
  ) {
    // until resolved, the name is split as the client wrote it
    const slash = model.indexOf('/')
    this.provider = slash > 0 ? model.slice(0, slash) : ''
    this.upstreamModel = slash > 0 ? model.slice(slash + 1) : model
  }

  resolved (resolved: ResolvedModel): void {
    this.provider = resolved.provider.id
    this.upstreamModel = resolved.model
  }

  usage (usage: Usage | undefined): void {
    if (usage !== undefined) this.latest = usage
  }

  admitted (ticket: AdmissionTicket | undefined): void {
    this.ticket = ticket
  }

  /**
   * Relays the stream, noting time to first chunk and usage, and ends the meter however the iteration
   * ends, including a consumer that gives up before its first read (a generator's finally would not run).
   */
  observe (upstream: ChatChunkStream): AsyncIterableIterator<ChatChunk> {
    const relay = this.relay(upstream)
    const whenAbandoned = (): void => { this.end(200, this.context.signal.aborted ? new Error('client closed') : undefined) }
    return {
      [Symbol.asyncIterator] () { return this },
      next: async () => await relay.next(),
      return: async (value?: unknown) => {
        try {
          return await relay.return(value as undefined)
        } finally {
          whenAbandoned()
        }
      },
      throw: async (err?: unknown) => await relay.throw(err)
    }
  }

  private async * relay (upstream: ChatChunkStream): AsyncGenerator<ChatChunk, undefined> {
    let failure: unknown
    try {
      for await (const chunk of upstream) {
        this.firstChunkAt ??= performance.now()
        this.usage(chunk.usage)
        yield chunk
      }
    } catch (err) {
      failure = err
      throw err
    } finally {
      // a stream has answered 200 already, whatever happens to it afterwards
      this.end(200, failure ?? (this.context.signal.aborted ? new Error('client closed') : undefined))
    }
    return undefined
  }

  /** Ends the meter for a call that failed before any answer; returns the error to rethrow. */
  failed (err: unknown): unknown {
    this.end(statusOf(err), err)
    return err
  }

  end (status: number, err?: unknown): void {
    if (this.done) return
    this.done = true
    const now = performance.now()
    const aborted = this.context.signal.aborted
    const usage = this.latest
    const event: UsageEvent = {
      requestId: this.context.requestId,
      principalId: this.context.principalId,
      model: this.model,
      provider: this.provider,
      upstreamModel: this.upstreamModel,
      promptTokens: usage?.prompt_tokens ?? 0,
      completionTokens: usage?.completion_tokens ?? 0,
      totalTokens: usage?.total_tokens ?? 0,
      streamed: this.streamed,
      status: aborted && !this.streamed ? 499 : status,
      ...(err !== undefined && !aborted ? { error: clientMessage(err) } : {}),
      latencyMs: Math.round(now - this.started),
      ttfbMs: Math.round((this.firstChunkAt ?? now) - this.started),
      clientAborted: aborted
    }
    this.ticket?.settle(event)
    this.emit(event)
  }
}
