import type { FastifyBaseLogger } from 'fastify'
import type { UsageEvents } from './usage-events.js'
import { CallMeter } from './call-meter.js'
import type { UpstreamHttp } from '#upstream/http.js'
import type { JsonPayload } from '#upstream/payload.js'
import { resolveMediaModel, type MediaKind } from './media-models.js'
import type { ProviderRegistry, ResolvedModel } from './registry.js'
import type {
  ChatChunkStream, ChatCompletion, ChatRequest, EmbeddingsRequest, EmbeddingsResponse, ImagesRequest, ImagesResponse, UpstreamCall
} from '#upstream/types.js'
import { checkChatRequest, refuseUnpriceableFields } from './validate.js'
import { embeddingInputTokens, estimatedTokens, textTokens, type InputTokens } from '#upstream/token-estimate.js'
import type { Admission, AdmissionRequest, AdmissionTicket } from './admission.js'
import { callCredits, type CallKind, type ImageShape, type ModelRates } from '#catalog/call-cost.js'
import { withCost } from './answer-cost.js'
import type { CallTiming } from './call-timing.js'
import type { CircuitBreakers } from './circuit-breaker.js'
import { UpstreamAttempts, type ResilienceSettings } from './fallback.js'
import type { Principal } from '#schemas/principal.js'
import type { CredentialPool } from './credentials.js'
import type { ClientSignal } from '#upstream/client-signal.js'

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
  /** The client asked for the cost in the answer's `usage.cost` (x-hubgate-include-cost: true). */
  includeCost?: boolean | undefined
  /** Told what an answered non-streamed call costs, before its answer is sent (the x-hubgate-cost header). */
  reportCost?: ((credits: number) => void) | undefined
}

/**
 * The one way any route calls a chat model: validate, resolve `provider/model`, call the adapter (with
 * retries, circuit breakers and fallbacks: gateway/fallback.ts), and emit exactly one usage event per
 * call, whether it succeeded, failed or was abandoned. The event names the model that finally answered
 * (or failed last), and carries the number of upstream attempts.
 */
export class ProviderService {
  private admission: Admission | undefined
  private rates: ((model: string) => ModelRates | undefined) | undefined
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

  /** Installs the catalog's rates: every answer states its cost (x-hubgate-cost, usage.cost) as metering charges it. */
  setPricing (rates: (model: string) => ModelRates | undefined): void {
    this.rates = rates
  }

  /** Installs the store-managed credentials: each attempt picks one and reports how the upstream answered (gateway/credentials.ts). */
  setCredentials (credentials: CredentialPool): void {
    this.credentials = credentials
  }

  /** Non-streamed chat completion (the answer keeps the upstream's bytes when it passed through untouched). */
  async chat (request: ChatRequest, context: ChatContext): Promise<JsonPayload<ChatCompletion>> {
    const meter = this.meter(request.model, context, 'chat', false)
    try {
      const resolved = this.prepare(request, context, meter)
      const admitting = this.admitChat(request, resolved, context, meter)
      const ticket = admitting === undefined ? undefined : await admitting
      const result = await this.upstream(resolved, context, meter, ticket, (id) => this.registry.resolve(id),
        (model, call) => model.adapter.chat.complete(request, call))
      meter.usage(result.usage)
      await meter.end(200)
      return meter.includeCost ? withCost(result, meter.cost) : result
    } catch (err) {
      throw await meter.failed(err)
    }
  }

  /**
   * Streamed chat completion. Resolves once the provider accepted the request, so a failure before any
   * output rejects with a HUB_* error carrying the right status; failures later are thrown by the iteration.
   */
  async chatStream (request: ChatRequest, context: ChatContext): Promise<ChatChunkStream> {
    const meter = this.meter(request.model, context, 'chat', true)
    meter.includeCost ||= request.stream_options?.include_cost === true
    let upstream: ChatChunkStream
    try {
      const resolved = this.prepare(request, context, meter)
      const admitting = this.admitChat(request, resolved, context, meter)
      const ticket = admitting === undefined ? undefined : await admitting
      upstream = await this.upstream(resolved, context, meter, ticket, (id) => this.registry.resolve(id),
        (model, call) => model.adapter.chat.stream(request, call))
    } catch (err) {
      throw await meter.failed(err)
    }
    return meter.observe(upstream)
  }

  /** Embeddings (OpenAI shape in and out), metered by input tokens; estimated from the input when the provider reports none. */
  async embed (request: EmbeddingsRequest, context: ChatContext): Promise<JsonPayload<EmbeddingsResponse>> {
    let tokens: InputTokens | undefined
    // counted only when needed (a limit, or no usage reported): a large input costs a pass over every text
    return await this.mediaCall(request.model, 'embedding', context, { tokens: () => (tokens ??= embeddingInputTokens(request.input)) }, async (resolved, call) =>
      await (resolved.adapter.embeddings as NonNullable<typeof resolved.adapter.embeddings>).create(request, call))
  }

  /** Image generation (OpenAI shape in and out), metered by reported tokens or per image (catalog/call-cost.ts). */
  async generateImages (request: ImagesRequest, context: ChatContext): Promise<JsonPayload<ImagesResponse>> {
    const image = { n: request.n ?? 1, size: request.size, quality: request.quality }
    return await this.mediaCall(request.model, 'image', context, { tokens: () => textTokens(request.prompt), image }, async (resolved, call) =>
      await (resolved.adapter.images as NonNullable<typeof resolved.adapter.images>).generate(request, call))
  }

  /** One non-streamed embeddings or image call: resolve for `kind` (resolveMediaModel checks the capability), run, meter once. */
  private async mediaCall<T extends { data?: unknown[] }> (
    model: string, kind: MediaKind, context: ChatContext, input: { tokens: () => InputTokens, image?: ImageShape },
    run: (resolved: ResolvedModel, call: UpstreamCall) => Promise<JsonPayload<T>>
  ): Promise<JsonPayload<T>> {
    const meter = this.meter(model, context, kind, false)
    if (input.image !== undefined) meter.imageCall(input.image)
    try {
      const resolved = resolveMediaModel(this.registry, model, kind)
      meter.resolved(resolved)
      const admitting = this.admit({
        principal: context.principal, model: resolved.id, kind, maxCompletionTokens: undefined, image: input.image,
        fallbacks: () => this.attempts.fallbacksOf(resolved.id),
        promptTokensUpperBound: () => input.tokens().bound
      }, meter)
      const ticket = admitting === undefined ? undefined : await admitting
      const result = await this.upstream(resolved, context, meter, ticket, (id) => resolveMediaModel(this.registry, id, kind), run)
      // never free for lack of a count: without the provider's usage, the input is charged as estimated
      if (result.usage !== undefined) meter.usage(result.usage)
      else {
        const estimate = input.tokens().estimate
        meter.usage({ prompt_tokens: estimate, completion_tokens: 0, total_tokens: estimate }, true)
        // an embeddings answer that reports usage (AIGNE's) then says what was charged; an image one keeps "none reported"
        if (kind === 'embedding') result.usage = { prompt_tokens: estimate, completion_tokens: 0, total_tokens: estimate }
      }
      if (input.image !== undefined) meter.imagesAnswered(result.value.data?.length ?? 0)
      await meter.end(200)
      return result
    } catch (err) {
      throw await meter.failed(err)
    }
  }

  /** Admits the call (budgets, tokens per minute) and notes its ticket; resolves at once when nothing needed checking. */
  private admit (request: AdmissionRequest, meter: CallMeter): Promise<AdmissionTicket | undefined> | undefined {
    const admitting = this.admission?.(request)
    if (admitting === undefined) return undefined
    return admitting.then((ticket) => {
      meter.admitted(ticket)
      return ticket
    })
  }

  /** Admits a chat call: its prompt bound plus n × the completion bound; a cap admission sets applies per choice. */
  private admitChat (request: ChatRequest, resolved: ResolvedModel, context: ChatContext, meter: CallMeter): Promise<AdmissionTicket | undefined> | undefined {
    // every token is at least one byte of the serialized messages, so their byte length bounds the prompt
    const promptTokensUpperBound = (): number => Buffer.byteLength(JSON.stringify(request.messages)) + Buffer.byteLength(JSON.stringify(request.tools ?? []))
    // what an abandoned stream's prompt is charged when the provider never reported usage
    meter.estimatePromptWith(() => estimatedTokens(promptTokensUpperBound()))
    const { max_completion_tokens: maxCompletion, max_tokens: maxTokens } = request
    const admitting = this.admit({
      principal: context.principal,
      model: resolved.id,
      kind: 'chat',
      fallbacks: () => this.attempts.fallbacksOf(resolved.id),
      // both named: whichever the provider reads, the larger bounds it
      maxCompletionTokens: maxCompletion === undefined || maxTokens === undefined ? maxCompletion ?? maxTokens : Math.max(maxCompletion, maxTokens),
      choices: request.n,
      promptTokensUpperBound
    }, meter)
    return admitting?.then((ticket) => {
      if (ticket?.completionTokenCap !== undefined) request.max_tokens = ticket.completionTokenCap
      return ticket
    })
  }

  private prepare (request: ChatRequest, context: ChatContext, meter: CallMeter): ResolvedModel {
    checkChatRequest(request)
    if (context.principal?.limits.creditLimit != null) refuseUnpriceableFields(request)
    const resolved = this.registry.resolve(request.model)
    meter.resolved(resolved)
    return resolved
  }

  /**
   * The upstream part of a call: `run` at the resolved model, retried and replaced by fallbacks as
   * gateway/fallback.ts decides. It settles before any byte goes to the client.
   */
  private async upstream<T> (
    primary: ResolvedModel, context: ChatContext, meter: CallMeter, ticket: AdmissionTicket | undefined,
    resolve: (model: string) => ResolvedModel, run: (model: ResolvedModel, call: UpstreamCall) => Promise<T>
  ): Promise<T> {
    try {
      return await this.attempts.run(primary, {
        requestId: context.requestId,
        signal: context.signal,
        allowsModel: (model) => context.principal?.allowsModel(model) === true && ticket?.refusedFallbacks?.has(model) !== true,
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

  private meter (model: string, context: ChatContext, kind: CallKind, streamed: boolean): CallMeter {
    const meter = new CallMeter(model, context, kind, streamed, this.streams, (event) => {
      try {
        this.usageEvents.emit('usage', event)
      } catch (err) {
        this.log.error({ err, requestId: event.requestId }, 'a usage event listener failed')
      }
      return this.usageEvents.durable()
    }, (id, call) => callCredits(this.rates?.(id), call))
    meter.includeCost = context.includeCost === true
    return meter
  }
}
