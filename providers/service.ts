import type { FastifyBaseLogger } from 'fastify'
import type { UsageEvents } from '../lib/usage-events.js'
import { CallMeter } from './call-meter.js'
import type { UpstreamHttp } from './http.js'
import type { JsonPayload } from './payload.js'
import { resolveMediaModel, type MediaKind } from './media-models.js'
import type { ProviderRegistry, ResolvedModel } from './registry.js'
import type {
  ChatChunkStream, ChatCompletion, ChatRequest, EmbeddingsRequest, EmbeddingsResponse, ImagesRequest, ImagesResponse, UpstreamCall
} from './types.js'
import { checkChatRequest } from './validate.js'
import { estimatedTokens } from './token-estimate.js'
import type { Admission } from './admission.js'
import type { CallTiming } from './call-timing.js'
import type { CircuitBreakers } from './circuit-breaker.js'
import { UpstreamAttempts, type ResilienceSettings } from './fallback.js'
import type { Principal } from '../lib/principal.js'
import type { CredentialPool } from './credentials.js'
import type { ClientSignal } from './client-signal.js'

/** Who asks, for metering, and how to notice they left. */
export interface ChatContext {
  requestId: string
  principalId: string
  /** The caller, for admission (budgets, token limits). */
  principal?: Principal | undefined
  /** Aborted when the client goes away; the upstream request is then aborted too. */
  signal: ClientSignal
  /** Notes the time spent upstream, for the response's Server-Timing header. */
  timing?: CallTiming | undefined
}

/**
 * The one way any route calls a chat model: validate, resolve `provider/model`, call the adapter (with
 * retries, circuit breakers and fallbacks: providers/fallback.ts), and emit exactly one usage event per
 * call, whether it succeeded, failed or was abandoned. The event names the model that finally answered
 * (or failed last), and carries the number of upstream attempts.
 */
export class ProviderService {
  private admission: Admission | undefined
  private credentials: CredentialPool | undefined
  private readonly attempts: UpstreamAttempts
  private readonly streams = { open: 0 }

  constructor (
    readonly registry: ProviderRegistry,
    private readonly http: UpstreamHttp,
    private readonly usageEvents: UsageEvents,
    private readonly log: FastifyBaseLogger,
    resilience: ResilienceSettings
  ) {
    this.attempts = new UpstreamAttempts(resilience, log)
  }

  /** Per-provider circuit breakers (readiness and metrics show them). */
  get breakers (): CircuitBreakers {
    return this.attempts.breakers
  }

  /** Streams being relayed right now. */
  get inflightStreams (): number {
    return this.streams.open
  }

  /** Installs the check every call passes before going upstream (metering sets it: budgets, tokens per minute). */
  setAdmission (admission: Admission): void {
    this.admission = admission
  }

  /** Installs the store-managed credentials: each attempt picks one and reports how the upstream answered (providers/credentials.ts). */
  setCredentials (credentials: CredentialPool): void {
    this.credentials = credentials
  }

  /** Non-streamed chat completion (the answer keeps the upstream's bytes when it passed through untouched). */
  async chat (request: ChatRequest, context: ChatContext): Promise<JsonPayload<ChatCompletion>> {
    const meter = this.meter(request.model, context, false)
    try {
      const resolved = this.prepare(request, meter)
      const admitting = this.admitChat(request, context, meter)
      if (admitting !== undefined) await admitting
      const result = await this.upstream(resolved, context, meter, (id) => this.registry.resolve(id),
        (model, call) => model.adapter.chat.complete(request, call))
      meter.usage(result.usage)
      await meter.end(200)
      return result
    } catch (err) {
      throw await meter.failed(err)
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
      const admitting = this.admitChat(request, context, meter)
      if (admitting !== undefined) await admitting
      upstream = await this.upstream(resolved, context, meter, (id) => this.registry.resolve(id),
        (model, call) => model.adapter.chat.stream(request, call))
    } catch (err) {
      throw await meter.failed(err)
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
      const admitting = this.admission?.({ principal: context.principal, model, maxCompletionTokens: 0, promptTokensUpperBound: () => 0 })
      if (admitting !== undefined) meter.admitted(await admitting)
      const result = await this.upstream(resolved, context, meter, (id) => resolveMediaModel(this.registry, id, kind), run)
      meter.usage(result.usage)
      await meter.end(200)
      return result
    } catch (err) {
      throw await meter.failed(err)
    }
  }

  /** Admits the call (budgets, tokens per minute); answers what to await, or undefined when it was admitted at once. */
  private admitChat (request: ChatRequest, context: ChatContext, meter: CallMeter): Promise<void> | undefined {
    // every token is at least one byte of the serialized messages, so their byte length bounds the prompt
    const promptTokensUpperBound = (): number => Buffer.byteLength(JSON.stringify(request.messages)) + Buffer.byteLength(JSON.stringify(request.tools ?? []))
    // what an abandoned stream's prompt is charged when the provider never reported usage
    meter.estimatePromptWith(() => estimatedTokens(promptTokensUpperBound()))
    const admitting = this.admission?.({
      principal: context.principal,
      model: request.model,
      maxCompletionTokens: request.max_completion_tokens ?? request.max_tokens,
      promptTokensUpperBound
    })
    return admitting?.then((ticket) => {
      if (ticket?.completionTokenCap !== undefined) request.max_tokens = ticket.completionTokenCap
      meter.admitted(ticket)
    })
  }

  private prepare (request: ChatRequest, meter: CallMeter): ResolvedModel {
    checkChatRequest(request)
    const resolved = this.registry.resolve(request.model)
    meter.resolved(resolved)
    return resolved
  }

  /**
   * The upstream part of a call: `run` at the resolved model, retried and replaced by fallbacks as
   * providers/fallback.ts decides. It settles before any byte goes to the client.
   */
  private async upstream<T> (
    primary: ResolvedModel, context: ChatContext, meter: CallMeter,
    resolve: (model: string) => ResolvedModel, run: (model: ResolvedModel, call: UpstreamCall) => Promise<T>
  ): Promise<T> {
    try {
      return await this.attempts.run(primary, {
        requestId: context.requestId,
        signal: context.signal,
        allowsModel: (model) => context.principal?.allowsModel(model) === true,
        resolve,
        onAttempt: (model) => {
          meter.attempted(model)
          context.timing?.upstreamStarted()
        }
      }, (model) => {
        // plain functions, not async ones: each async layer costs every call a promise and a microtask hop
        const call = this.call(model, context)
        if (this.credentials === undefined) return run(model, call)
        return this.credentials.withCredential(model.provider, (provider) => run(model, provider === model.provider ? call : { ...call, provider }))
      })
    } finally {
      context.timing?.upstreamSettled()
    }
  }

  private call (resolved: ResolvedModel, context: ChatContext): UpstreamCall {
    return { provider: resolved.provider, model: resolved.model, signal: context.signal, http: this.http }
  }

  private meter (model: string, context: ChatContext, streamed: boolean): CallMeter {
    return new CallMeter(model, context, streamed, this.streams, (event) => {
      try {
        this.usageEvents.emit('usage', event)
      } catch (err) {
        this.log.error({ err, requestId: event.requestId }, 'a usage event listener failed')
      }
      return this.usageEvents.durable()
    })
  }
}
