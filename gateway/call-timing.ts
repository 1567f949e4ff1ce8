/**
 * Where one proxied request's time went, for its `Server-Timing` header: `upstream` is the time spent
 * waiting for providers before the answer could start (retries and fallbacks included; a non-streamed
 * call's whole answer, a stream's response headers), `gateway` the rest of the time until our own
 * response headers: authentication, validation, translation, admission.
 */
export class CallTiming {
  private upstreamFrom: number | undefined
  private upstreamUntil: number | undefined

  /** The first upstream attempt begins. */
  upstreamStarted (): void {
    this.upstreamFrom ??= performance.now()
  }

  /** The upstream part is over: an answer (or headers of a stream) arrived, or the last attempt failed. */
  upstreamSettled (): void {
    if (this.upstreamFrom !== undefined) this.upstreamUntil = performance.now()
  }

  /** `Server-Timing` value, given the milliseconds since the request arrived. */
  header (elapsedMs: number): string {
    const upstream = this.upstreamFrom === undefined ? 0 : (this.upstreamUntil ?? performance.now()) - this.upstreamFrom
    const gateway = Math.max(0, elapsedMs - upstream)
    return `gateway;dur=${gateway.toFixed(1)}, upstream;dur=${upstream.toFixed(1)}`
  }
}
