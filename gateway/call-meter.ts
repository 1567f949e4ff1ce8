import type { CallKind, ImageShape, MeasuredCall } from '#catalog/call-cost.js'
import { assignTokenDetails } from '#catalog/token-details.js'
import { withCost } from './answer-cost.js'
import { JsonPayload } from '#upstream/payload.js'
import type { UsageEvent } from './usage-events.js'
import type { AdmissionTicket } from './admission.js'
import { clientMessage, statusOf } from '#errors.js'
import type { ResolvedModel } from './registry.js'
import type { ChunkStream, MeteredChunk, Usage } from '#upstream/types.js'
import type { ChatContext } from './service.js'

/**
 * Collects one call's numbers and emits its usage event exactly once. Retries and fallbacks stay inside
 * the one call: the event names the model of the last attempt (the one that answered, or failed last),
 * and its usage, so budgets and records are charged at the model actually used.
 */
export class CallMeter {
  private readonly started = performance.now()
  private firstChunkAt: number | undefined
  private latest: Usage | undefined
  /** `latest` is the gateway's estimate, not the provider's report. */
  private latestEstimated = false
  private image: ImageShape | undefined
  private imagesReturned: number | undefined
  private seconds: number | undefined
  private characters: number | undefined
  private done = false
  private ticket: AdmissionTicket | undefined
  /** Content chunks relayed: the completion-token estimate when a stream ends without the provider's usage. */
  private contentChunks = 0
  private promptEstimate: (() => number) | undefined
  private provider: string
  private upstreamModel: string
  private model: string
  private attempts = 0
  private relaying = false
  /** The client asked for `usage.cost` in the answer (OpenAI routes). */
  includeCost = false
  /** Credits the call is charged, once it ended (undefined: not answered, or the model has no price). */
  cost: number | undefined

  constructor (
    private readonly requestedModel: string,
    private readonly context: ChatContext,
    private readonly kind: CallKind,
    private readonly streamed: boolean,
    /** Streams being relayed, shared by every meter of the service. */
    private readonly streams: { open: number },
    /** When the call started (wall clock): it is charged the rates in force then, however long it runs. */
    readonly startedAt: Date,
    /** Emits the event; answers what to await before the answer ends (the record's durability), if anything. */
    private readonly emit: (event: UsageEvent) => Promise<void> | undefined,
    /** What a call to `model` costs in credits (catalog/call-cost.ts, as metering charges it); undefined: no price. */
    private readonly price: (model: string, call: MeasuredCall) => number | undefined = () => undefined
  ) {
    // until resolved, the name is split as the client wrote it
    this.model = requestedModel
    const slash = requestedModel.indexOf('/')
    this.provider = slash > 0 ? requestedModel.slice(0, slash) : ''
    this.upstreamModel = slash > 0 ? requestedModel.slice(slash + 1) : requestedModel
  }

  resolved (resolved: ResolvedModel): void {
    this.model = resolved.id
    this.provider = resolved.provider.id
    this.upstreamModel = resolved.model
  }

  /** An upstream attempt at `resolved` begins (a retry, or a fallback model). */
  attempted (resolved: ResolvedModel): void {
    this.attempts++
    this.resolved(resolved)
  }

  usage (usage: Usage | undefined, estimated = false): void {
    if (usage === undefined) return
    this.latest = usage
    this.latestEstimated = estimated
  }

  /** An image call: what it asked for, and (once answered) how many images came back. */
  imageCall (shape: ImageShape): void {
    this.image = shape
  }

  imagesAnswered (count: number): void {
    this.imagesReturned = count
  }

  /** A video or audio call: the seconds and characters it is charged for. */
  measured (measure: { seconds?: number | undefined, characters?: number | undefined }): void {
    if (measure.seconds !== undefined) this.seconds = measure.seconds
    if (measure.characters !== undefined) this.characters = measure.characters
  }

  estimatePromptWith (estimate: () => number): void {
    this.promptEstimate = estimate
  }

  admitted (ticket: AdmissionTicket | undefined): void {
    this.ticket = ticket
  }

  /**
   * The stream as it reaches the client, noting time to first chunk and usage. The meter ends however the stream
   * does: complete, failed, or cancelled by a client that went away; the sink's end waits for the usage record.
   */
  observe<C extends MeteredChunk> (upstream: ChunkStream<C>): ChunkStream<C> {
    return {
      start: (sink) => {
        this.relaying = true
        this.streams.open++
        const clientGone = (): Error | undefined => this.context.signal.aborted ? new Error('client closed') : undefined
        const flow = upstream.start({
          chunk: (chunk) => {
            this.firstChunkAt ??= performance.now()
            this.usage(chunk.usage)
            if (!chunk.usageOnly) this.contentChunks++
            // the trailing usage chunk holds the final counts: what the call is charged if it ends now (OpenAI chunks
            // only: a relayed event of another dialect is passed on untouched)
            sink.chunk(chunk.usageOnly && this.includeCost && chunk instanceof JsonPayload ? withCost(chunk, this.answeredCost()) as unknown as C : chunk)
          },
          flush: () => { sink.flush() },
          end: (err) => {
            // a stream has answered 200 already, whatever happens to it afterwards
            const durable = this.end(200, err ?? clientGone())
            if (durable === undefined) {
              sink.end(err)
              return
            }
            // a consumer failing at its end must not become an unhandled rejection (that would stop the process)
            durable.catch(() => undefined).then(() => { sink.end(err) }).catch(() => undefined)
          }
        })
        return {
          pause: flow.pause,
          resume: flow.resume,
          cancel: () => {
            flow.cancel()
            void this.end(200, clientGone())
          }
        }
      }
    }
  }

  /**
   * A stream cut short (client gone, upstream failed) usually ends before the provider's usage report. What it
   * produced is still charged: about one token per content chunk, and the prompt estimated from its size.
   */
  private estimatedUsage (): Usage | undefined {
    if (this.contentChunks === 0) return undefined
    const prompt = this.promptEstimate?.() ?? 0
    return { prompt_tokens: prompt, completion_tokens: this.contentChunks, total_tokens: prompt + this.contentChunks }
  }

  /** What the call costs if it answers with the usage reported so far. */
  private answeredCost (): number | undefined {
    const usage = this.latest
    if (usage === undefined) return undefined
    const call: MeasuredCall = { kind: this.kind, promptTokens: usage.prompt_tokens, completionTokens: usage.completion_tokens, status: 200 }
    assignTokenDetails(call, usage)
    return this.price(this.model, call)
  }

  /** Ends the meter for a call that failed before any answer; resolves (its record durable) with the error to rethrow. */
  async failed (err: unknown): Promise<unknown> {
    await this.end(statusOf(err), err)
    return err
  }

  /** Emits the call's one usage event; answers what to await before the answer ends (see UsageEvents.durable). */
  end (status: number, err?: unknown): Promise<void> | undefined {
    if (this.done) return undefined
    this.done = true
    if (this.relaying) this.streams.open--
    const now = performance.now()
    const aborted = this.context.signal.aborted
    const usage = this.latest ?? this.estimatedUsage()
    // optional fields are added after, not spread in: spreading conditional objects is slow on this path
    const event: UsageEvent = {
      requestId: this.context.requestId,
      principalId: this.context.principalId,
      app: this.context.app ?? '',
      model: this.model,
      attempts: this.attempts,
      provider: this.provider,
      upstreamModel: this.upstreamModel,
      kind: this.kind,
      promptTokens: usage?.prompt_tokens ?? 0,
      completionTokens: usage?.completion_tokens ?? 0,
      totalTokens: usage?.total_tokens ?? 0,
      streamed: this.streamed,
      status: aborted && !this.streamed ? 499 : status,
      latencyMs: Math.round(now - this.started),
      ttfbMs: Math.round((this.firstChunkAt ?? now) - this.started),
      clientAborted: aborted
    }
    if (this.model !== this.requestedModel) event.requestedModel = this.requestedModel
    if (usage !== undefined) assignTokenDetails(event, usage)
    if (usage !== undefined && (usage !== this.latest || this.latestEstimated)) event.usageEstimated = true
    if (this.image !== undefined) {
      event.images = this.imagesReturned ?? 0
      if (this.image.size !== undefined) event.imageSize = this.image.size
      if (this.image.quality !== undefined) event.imageQuality = this.image.quality
    }
    if (this.seconds !== undefined) event.seconds = this.seconds
    if (this.characters !== undefined) event.characters = this.characters
    if (err !== undefined && !aborted) event.error = clientMessage(err)
    // priced once: the answer's cost, the budget's settlement and the usage record all read event.credits
    const credits = this.price(this.model, event)
    if (credits !== undefined) event.credits = credits
    if (event.status === 200) this.cost = credits
    // a stream's headers are long gone: its cost is in its usage chunk (includeCost)
    if (!this.streamed && this.cost !== undefined) this.context.reportCost?.(this.cost)
    this.ticket?.settle(event)
    return this.emit(event)
  }
}
