import type { FastifyBaseLogger } from 'fastify'
import type { UsageEvents } from './usage-events.js'
import { CallMeter } from './call-meter.js'
import type { UpstreamHttp } from '#upstream/http.js'
import type { JsonPayload } from '#upstream/payload.js'
import { resolveMediaModel, type MediaKind } from './media-models.js'
import type { ProviderRegistry, ResolvedModel } from './registry.js'
import { ModelNames, type AliasLookup } from './model-names.js'
import type {
  ChatChunkStream, ChatCompletion, ChatRequest, ChunkStream, EmbeddingsRequest, EmbeddingsResponse, ImagesRequest, ImagesResponse,
  MessagesAdapter, MessagesRequest, MeteredChunk, RelayedEvent, UpstreamCall, Usage
} from '#upstream/types.js'
import type { CountTokensRequestType } from '#schemas/anthropic.js'
import { chatOf, chatPlan, messagesPlan, resolveMessagesModel, responsesPlan, type ChatPlan, type ResponsesCall } from './chat-plan.js'

export type { ResponsesCall }
import { embeddingInputTokens, estimatedTokens, textTokens, type InputTokens } from '#upstream/token-estimate.js'
import type { Admission, AdmissionRequest, AdmissionTicket, MediaBound } from './admission.js'
import { callCredits, type CallKind, type ImageShape, type ModelRates } from '#catalog/call-cost.js'
import { withCost } from './answer-cost.js'
import type { CallTiming } from './call-timing.js'
import type { CircuitBreakers } from './circuit-breaker.js'
import { UpstreamAttempts, type ResilienceSettings } from './fallback.js'
import type { Principal } from '#schemas/principal.js'
import type { CredentialPool } from './credentials.js'
import type { ClientSignal } from '#upstream/client-signal.js'

/** What a video or audio call reports as it goes: what it measured, and tokens when the provider counts them. */
export type MediaMeter = Pick<CallMeter, 'measured' | 'usage'>

/** Who asks, for metering, and how to notice they left. */
/** A Responses answer: the upstream's own response object, or a chat completion to translate. */
export type ResponsesAnswer = { native: true, payload: JsonPayload<Record<string, unknown>> } | { native: false, payload: JsonPayload<ChatCompletion> }
export type ResponsesStream = { native: true, stream: ChunkStream<JsonPayload<unknown>> } | { native: false, stream: ChatChunkStream }

/** The native body as sent: a completion cap admission set on the chat form applies to it too. */
function nativeBody (call: ResponsesCall): Record<string, unknown> {
  return call.chat.max_tokens === undefined ? call.native : { ...call.native, max_output_tokens: call.chat.max_tokens }
}

/** What a service is built with: how attempts are retried and fall back, the check before each call, the credentials. */
export interface ServiceSettings extends ResilienceSettings {
  /** The check every call passes before going upstream (metering's: budgets, tokens per minute); none admits all. */
  admission?: Admission
  /** Store-managed credentials: each attempt picks one and reports how the upstream answered (gateway/credentials.ts). */
  credentials?: CredentialPool
  /** The catalog's aliases for bare model names (read at call time, so catalog edits apply at once). */
  aliasOf?: AliasLookup
  /** The catalog's rates for a call starting `at`: every answer states its cost (x-hubgate-cost, usage.cost) as metering charges it. */
  rates?: (model: string, at: Date) => ModelRates | undefined
  /** The wall clock, in ms since the epoch: a call is priced at the rates in force when it starts (Date.now unless a test sets it). */
  now?: () => number
}

export interface ChatContext {
  requestId: string
  principalId: string
  /** The caller, for admission (budgets, token limits). */
  principal?: Principal | undefined
  /** The app the caller named (request-context.ts clientApp: '' for none): recorded with the usage, and held to the key's per-app limit. */
  app?: string | undefined
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
  private readonly admission: Admission | undefined
  private readonly credentials: CredentialPool | undefined
  private readonly rates: ((model: string, at: Date) => ModelRates | undefined) | undefined
  private readonly now: () => number
  private readonly attempts: UpstreamAttempts
  private readonly streams = { open: 0 }
  /** Client model names (bare ones, catalog aliases) → `provider/model`; routes qualify before checking the key. */
  readonly names: ModelNames

  constructor (
    readonly registry: ProviderRegistry,
    private readonly http: UpstreamHttp,
    private readonly usageEvents: UsageEvents,
    private readonly log: FastifyBaseLogger,
    settings: ServiceSettings
  ) {
    this.attempts = new UpstreamAttempts(settings, log)
    this.admission = settings.admission
    this.credentials = settings.credentials
    this.rates = settings.rates
    this.now = settings.now ?? Date.now
    this.names = new ModelNames(registry, settings.aliasOf ?? (() => undefined))
  }

  /** Per-provider circuit breakers (readiness and metrics show them). */
  get breakers (): CircuitBreakers {
    return this.attempts.breakers
  }

  /** Streams being relayed right now. */
  get inflightStreams (): number {
    return this.streams.open
  }

  /** Non-streamed chat completion (the answer keeps the upstream's bytes when it passed through untouched). */
  async chat (request: ChatRequest, context: ChatContext): Promise<JsonPayload<ChatCompletion>> {
    return await this.complete(chatPlan(request, this.registry, context.principal), context,
      (model, call) => chatOf(model).complete(request, call), usageOf, (answer, meter) => meter.includeCost ? withCost(answer, meter.cost) : answer)
  }

  /**
   * Streamed chat completion. Resolves once the provider accepted the request, so a failure before any
   * output rejects with a HUB_* error carrying the right status; failures later are thrown by the iteration.
   */
  async chatStream (request: ChatRequest, context: ChatContext): Promise<ChatChunkStream> {
    return await this.stream(chatPlan(request, this.registry, context.principal), context,
      (model, call) => chatOf(model).stream(request, call), observed)
  }

  /**
   * An OpenAI Responses call: upstreams that serve Responses (the adapter's `responses` capability) get `call.native`,
   * every other one `call.chat`, attempt by attempt (a fallback may be either). Admission, limits and metering are
   * chat's, on the chat form (its messages bound the prompt either way).
   */
  async responses (call: ResponsesCall, context: ChatContext): Promise<ResponsesAnswer> {
    return await this.complete(responsesPlan(call, this.registry, context.principal), context, async (model, upstream): Promise<ResponsesAnswer> => {
      const native = model.adapter.responses
      if (native?.serves(upstream.provider) === true) return { native: true, payload: await native.create(nativeBody(call), upstream) }
      return { native: false, payload: await chatOf(model).complete(call.chat, upstream) }
    }, (answer) => answer.payload.usage)
  }

  /** A streamed Responses call: the upstream's own events (native), or chat chunks to translate. */
  async responsesStream (call: ResponsesCall, context: ChatContext): Promise<ResponsesStream> {
    return await this.stream(responsesPlan(call, this.registry, context.principal), context, async (model, upstream): Promise<ResponsesStream> => {
      const native = model.adapter.responses
      if (native?.serves(upstream.provider) === true) return { native: true, stream: await native.stream(nativeBody(call), upstream) }
      return { native: false, stream: await chatOf(model).stream(call.chat, upstream) }
    }, (answer, meter) => answer.native ? { native: true, stream: meter.observe(answer.stream) } : { native: false, stream: meter.observe(answer.stream) })
  }

  /** True when `model` resolves to a provider that speaks Anthropic's Messages API natively (false too when it does not resolve). */
  speaksMessages (model: string): boolean {
    try {
      return this.registry.resolve(model).adapter.messages !== undefined
    } catch {
      return false
    }
  }

  /** Anthropic Messages passed through to a provider that speaks it natively, metered and admitted like chat. */
  async messages (request: MessagesRequest, context: ChatContext): Promise<JsonPayload<unknown>> {
    const plan = messagesPlan(request, this.registry, context.principal)
    return await this.complete(plan, context, (model, call) => nativeMessages(model).complete(request, call), usageOf)
  }

  /** Streamed Anthropic Messages passed through: the provider's events relayed as they come (see chatStream). */
  async messagesStream (request: MessagesRequest, context: ChatContext): Promise<ChunkStream<RelayedEvent>> {
    const plan = messagesPlan(request, this.registry, context.principal)
    return await this.stream(plan, context, (model, call) => nativeMessages(model).stream(request, call), observed)
  }

  /** The provider's own count of an Anthropic Messages prompt: no tokens are spent, so nothing is admitted or metered. */
  async countMessageTokens (request: MessagesRequest<CountTokensRequestType>, context: ChatContext): Promise<JsonPayload<{ input_tokens: number }>> {
    const resolve = (id: string): ResolvedModel => resolveMessagesModel(this.registry, id)
    return await this.upstream(resolve(request.body.model), context, () => {}, undefined, resolve,
      (model, call) => nativeMessages(model).countTokens(request, call))
  }

  /** One non-streamed chat-like call: check, resolve, admit, run with retries and fallbacks, meter once. */
  private async complete<T> (
    plan: ChatPlan, context: ChatContext, run: (model: ResolvedModel, call: UpstreamCall) => Promise<T>, usage: (answer: T) => Usage | undefined,
    answered: (answer: T, meter: CallMeter) => T = (answer) => answer
  ): Promise<T> {
    const meter = this.meter(plan.model, context, 'chat', false)
    try {
      const resolved = this.prepare(plan, meter)
      const admitting = this.admitChat(plan, resolved, context, meter)
      const ticket = admitting === undefined ? undefined : await admitting
      const result = await this.upstream(resolved, context, (model) => { meter.attempted(model) }, ticket, plan.resolve, run)
      meter.usage(usage(result))
      await meter.end(200)
      return answered(result, meter)
    } catch (err) {
      throw await meter.failed(err)
    }
  }

  /** One streamed chat-like call: as complete(), resolving once the provider accepted it; the meter watches the stream. */
  private async stream<T> (
    plan: ChatPlan, context: ChatContext, run: (model: ResolvedModel, call: UpstreamCall) => Promise<T>, observe: (answer: T, meter: CallMeter) => T
  ): Promise<T> {
    const meter = this.meter(plan.model, context, 'chat', true)
    meter.includeCost ||= plan.includeCost === true
    let upstream: T
    try {
      const resolved = this.prepare(plan, meter)
      const admitting = this.admitChat(plan, resolved, context, meter)
      const ticket = admitting === undefined ? undefined : await admitting
      upstream = await this.upstream(resolved, context, (model) => { meter.attempted(model) }, ticket, plan.resolve, run)
    } catch (err) {
      throw await meter.failed(err)
    }
    return observe(upstream, meter)
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
      const result = await this.admittedMediaRun(model, kind, context, meter, { image: input.image, promptTokensUpperBound: () => input.tokens().bound }, run)
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

  /**
   * One video or audio call, priced by what it measures: resolve for `kind` (resolveMediaModel checks the capability),
   * admit its bound, run with retries and fallbacks, and meter once with what `run` reported through `measure`.
   */
  async measuredCall<T> (
    model: string, kind: MediaKind, context: ChatContext, bound: MediaBound & { promptTokens?: number },
    run: (resolved: ResolvedModel, call: UpstreamCall, meter: MediaMeter) => Promise<T>
  ): Promise<T> {
    const meter = this.meter(model, context, kind, false)
    try {
      const result = await this.admittedMediaRun(model, kind, context, meter, { media: bound, promptTokensUpperBound: () => bound.promptTokens ?? 0 },
        async (resolved, call) => await run(resolved, call, meter))
      await meter.end(200)
      return result
    } catch (err) {
      throw await meter.failed(err)
    }
  }

  /**
   * What every non-chat call does before its answer: resolve `model` for `kind` (resolveMediaModel checks the
   * capability), admit what the call may cost (`bound`), and run it with retries and the fallbacks it may use.
   */
  private async admittedMediaRun<T> (
    model: string, kind: MediaKind, context: ChatContext, meter: CallMeter,
    bound: Pick<AdmissionRequest, 'image' | 'media' | 'promptTokensUpperBound'>,
    run: (resolved: ResolvedModel, call: UpstreamCall) => Promise<T>
  ): Promise<T> {
    const resolved = resolveMediaModel(this.registry, model, kind)
    meter.resolved(resolved)
    const admitting = this.admit({
      principal: context.principal, app: context.app ?? '', model: resolved.id, kind, maxCompletionTokens: undefined, ...bound,
      startedAt: meter.startedAt,
      fallbacks: () => this.attempts.fallbacksOf(resolved.id)
    }, meter)
    const ticket = admitting === undefined ? undefined : await admitting
    return await this.upstream(resolved, context, (attempted) => { meter.attempted(attempted) }, ticket, (id) => resolveMediaModel(this.registry, id, kind), run)
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

  /** Admits a chat-like call: its prompt bound plus n × the completion bound; a cap admission sets applies per choice. */
  private admitChat (plan: ChatPlan, resolved: ResolvedModel, context: ChatContext, meter: CallMeter): Promise<AdmissionTicket | undefined> | undefined {
    // what an abandoned stream's prompt is charged when the provider never reported usage
    meter.estimatePromptWith(() => estimatedTokens(plan.promptBytes()))
    const admitting = this.admit({
      principal: context.principal,
      app: context.app ?? '',
      model: resolved.id,
      kind: 'chat',
      // priced as the call will be charged: at the rates in force when it started
      startedAt: meter.startedAt,
      fallbacks: () => this.attempts.fallbacksOf(resolved.id),
      maxCompletionTokens: plan.maxCompletionTokens,
      choices: plan.choices,
      promptTokensUpperBound: plan.promptBytes
    }, meter)
    return admitting?.then((ticket) => {
      if (ticket?.completionTokenCap !== undefined) plan.cap(ticket.completionTokenCap)
      return ticket
    })
  }

  private prepare (plan: ChatPlan, meter: CallMeter): ResolvedModel {
    plan.check()
    const resolved = plan.resolve(plan.model)
    meter.resolved(resolved)
    return resolved
  }

  /**
   * The upstream part of a call: `run` at the resolved model, retried and replaced by fallbacks as
   * gateway/fallback.ts decides. It settles before any byte goes to the client.
   */
  private async upstream<T> (
    primary: ResolvedModel, context: ChatContext, attempted: (model: ResolvedModel) => void, ticket: AdmissionTicket | undefined,
    resolve: (model: string) => ResolvedModel, run: (model: ResolvedModel, call: UpstreamCall) => Promise<T>
  ): Promise<T> {
    try {
      return await this.attempts.run(primary, {
        requestId: context.requestId,
        signal: context.signal,
        allowsModel: (model) => context.principal?.allowsModel(model) === true && ticket?.refusedFallbacks?.has(model) !== true,
        resolve,
        onAttempt: (model) => {
          attempted(model)
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
    const startedAt = new Date(this.now())
    const meter = new CallMeter(model, context, kind, streamed, this.streams, startedAt, (event) => {
      try {
        this.usageEvents.emit('usage', event)
      } catch (err) {
        this.log.error({ err, requestId: event.requestId }, 'a usage event listener failed')
      }
      return this.usageEvents.durable()
    }, (id, call) => callCredits(this.rates?.(id, startedAt), call))
    meter.includeCost = context.includeCost === true
    return meter
  }
}

/** The native Messages capability of a model resolved by resolveMessagesModel (which checked it is there). */
function nativeMessages (model: ResolvedModel): MessagesAdapter {
  return model.adapter.messages as MessagesAdapter
}

/** A non-streamed answer's usage, as the provider reported it. */
function usageOf (answer: { usage: Usage | undefined }): Usage | undefined {
  return answer.usage
}

/** A stream as the client will get it: the meter notes its first chunk, its usage and how it ends. */
function observed<C extends MeteredChunk> (stream: ChunkStream<C>, meter: CallMeter): ChunkStream<C> {
  return meter.observe(stream)
}
