import type { FastifyBaseLogger } from 'fastify'
import type { CircuitBreakers } from './circuit-breaker.js'
import type { ClientSignal } from '#upstream/client-signal.js'
import { ProviderUnavailableError, clientMessage } from '#errors.js'
import type { ResolvedModel } from './registry.js'
import { isFallbackWorthy, isProviderFailure, retryDelayMs, waitUnlessAborted, type RetryPolicy } from './retry.js'

export interface ResilienceSettings {
  retry: RetryPolicy
  breakers: CircuitBreakers
  /** Fallback model ids of `model`, in the order to try them (the catalog's `fallbacks`). */
  fallbacksOf: (model: string) => readonly string[]
}

/** One call's view: who may use what, how a fallback id becomes a model, and what to note per attempt. */
export interface AttemptScope {
  requestId: string
  signal: ClientSignal
  /** The caller's key allow-list: fallbacks it may not use are skipped. */
  allowsModel: (model: string) => boolean
  /** Resolves a fallback id for this kind of call; one that throws (unknown, unconfigured, wrong kind) is skipped. */
  resolve: (model: string) => ResolvedModel
  /** An attempt at `model` is about to reach the upstream. */
  onAttempt: (model: ResolvedModel) => void
}

/** Thrown inside this module only: the model's circuit is open, so the next candidate is tried. */
class CircuitOpen extends Error {}

/**
 * Runs one upstream call with retries, the circuit breaker and fallbacks. `attempt` must settle before
 * any byte reaches the client (a non-streamed answer, or a stream's response headers), so whatever is
 * retried or replaced has not been seen by anyone. Order: the requested model, retried up to
 * `retry.retries` times with backoff while its errors are retryable; then each catalog fallback the
 * caller's key allows, the same way. A model whose provider's circuit is open is skipped; when every
 * candidate was skipped so, the call fails with 503 and a Retry-After.
 */
export class UpstreamAttempts {
  constructor (private readonly settings: ResilienceSettings, private readonly log: FastifyBaseLogger) {}

  get breakers (): CircuitBreakers {
    return this.settings.breakers
  }

  /** The catalog fallbacks of `model`, in order (admission prices them before the call). */
  fallbacksOf (model: string): readonly string[] {
    return this.settings.fallbacksOf(model)
  }

  /**
   * One async frame for the whole ladder (candidates, and each one's retries): every async layer costs every call a
   * promise and a microtask hop, and almost every call is answered by its first attempt.
   */
  async run<T> (primary: ResolvedModel, scope: AttemptScope, attempt: (model: ResolvedModel) => Promise<T>): Promise<T> {
    const { breakers, retry } = this.settings
    let failure: { err: unknown } | undefined
    let blocked: ResolvedModel | undefined
    for (const model of this.candidates(primary, scope)) {
      const provider = model.provider.id
      let lastError: unknown
      for (let retries = 0; ; retries++) {
        if (!breakers.tryAcquire(provider)) {
          lastError ??= new CircuitOpen()
          break
        }
        scope.onAttempt(model)
        try {
          const result = await attempt(model)
          breakers.succeeded(provider)
          return result
        } catch (err) {
          lastError = err
          this.noteFailure(provider, err, scope.signal)
        }
        const delay = scope.signal.aborted ? undefined : retryDelayMs(lastError, retries + 1, retry)
        if (delay === undefined) break
        // rejects once the client is gone: no fallback then
        await waitUnlessAborted(delay, scope.signal)
      }
      if (lastError instanceof CircuitOpen) {
        blocked ??= model
        continue
      }
      if (!isFallbackWorthy(lastError) || scope.signal.aborted) throw lastError
      failure = { err: lastError }
      this.log.warn({ requestId: scope.requestId, model: model.id, reason: clientMessage(lastError) }, 'model failed; trying its next fallback if any')
    }
    if (failure !== undefined) throw failure.err
    throw this.unavailable(blocked ?? primary)
  }

  /** The requested model, then its fallbacks the caller may use and this call can resolve (each once). */
  private * candidates (primary: ResolvedModel, scope: AttemptScope): Generator<ResolvedModel> {
    yield primary
    const seen = new Set([primary.id])
    for (const id of this.settings.fallbacksOf(primary.id)) {
      if (seen.has(id) || !scope.allowsModel(id)) continue
      seen.add(id)
      let model: ResolvedModel
      try {
        model = scope.resolve(id)
      } catch (err) {
        this.log.debug({ requestId: scope.requestId, model: id, reason: clientMessage(err) }, 'fallback skipped: it cannot serve this call')
        continue
      }
      yield model
    }
  }

  /** The breaker's part in a failed attempt. */
  private noteFailure (provider: string, err: unknown, signal: ClientSignal): void {
    const { breakers } = this.settings
    if (signal.aborted) breakers.released(provider)
    else if (isProviderFailure(err)) breakers.failed(provider)
    else breakers.succeeded(provider) // it answered: a refusal proves the provider is up
  }

  private unavailable (model: ResolvedModel): Error {
    const provider = model.provider.id
    const seconds = Math.max(1, Math.ceil(this.settings.breakers.retryAfterMs(provider) / 1000))
    return Object.assign(new ProviderUnavailableError(
      `Provider ${provider} is temporarily unavailable after repeated failures, and no fallback could serve ${model.id}; retry in ${seconds} s.`
    ), { retryAfter: seconds })
  }
}
