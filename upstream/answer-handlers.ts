import type { IncomingHttpHeaders } from 'node:http'
import type { Dispatcher } from 'undici'
import { ClientClosedError, UpstreamFailedError } from '#errors.js'
import type { UpstreamCall } from './types.js'
import { MAX_ERROR_BODY, sizeText, statusError, transportError, utf8 } from './upstream-errors.js'

/*
 * undici dispatch handlers for provider calls: the answer's pieces arrive in the socket parser's own callbacks, with
 * no body stream, consumer promises or stream ticks per call (a Readable per call and its nextTick dance per piece
 * were a measurable share of a call's CPU). A non-2xx answer is read (at most MAX_ERROR_BODY of it) and rejected as
 * its HUB_* error; a client that goes away aborts the request.
 */
export abstract class AnswerHandler implements Dispatcher.DispatchHandler {
  protected status = 0
  protected headers: IncomingHttpHeaders = {}
  protected controller: Dispatcher.DispatchController | undefined
  private readonly errorPieces: Buffer[] = []
  private errorBytes = 0
  private settled = false
  private readonly onClientGone = (): void => { this.controller?.abort(new ClientClosedError()) }

  constructor (protected readonly call: UpstreamCall, private readonly rejectWith: (err: Error) => void) {}

  onRequestStart (controller: Dispatcher.DispatchController): void {
    // undici may start a request again (a retried pipeline head): one listener, the latest controller
    if (this.controller === undefined) this.call.signal.on('abort', this.onClientGone)
    this.controller = controller
    if (this.call.signal.aborted) controller.abort(new ClientClosedError())
  }

  onResponseStart (_controller: Dispatcher.DispatchController, status: number, headers: IncomingHttpHeaders): void {
    this.status = status
    this.headers = headers
    if (this.ok()) this.answerStarted()
  }

  onResponseData (controller: Dispatcher.DispatchController, piece: Buffer): void {
    if (this.ok()) {
      this.answerPiece(controller, piece)
      return
    }
    // an error answer is read for its message only, and not to its end: one that goes on and on is cut off
    if (this.errorBytes <= MAX_ERROR_BODY) this.errorPieces.push(piece)
    this.errorBytes += piece.length
    if (this.errorBytes > MAX_ERROR_BODY) {
      this.reject(statusError(this.status, this.headers, utf8(this.errorPieces), this.call.provider))
      controller.abort(new UpstreamFailedError(`Provider ${this.call.provider.id} sent an error answer larger than ${sizeText(MAX_ERROR_BODY)}.`))
    }
  }

  onResponseEnd (): void {
    this.done()
    if (this.ok()) this.answerEnded()
    else this.reject(statusError(this.status, this.headers, utf8(this.errorPieces), this.call.provider))
  }

  onResponseError (_controller: Dispatcher.DispatchController | undefined, err: Error): void {
    this.done()
    if (this.ok()) this.answerFailed(err)
    // an error answer whose body broke off still gets its status' error (unless the client went away meanwhile)
    else if (this.status !== 0 && !this.call.signal.aborted) this.reject(statusError(this.status, this.headers, '', this.call.provider))
    else this.reject(this.failure(err))
  }

  /** What a transport failure (or our own abort with a HUB_* error) tells the client. */
  protected failure (err: Error): Error {
    return err instanceof UpstreamFailedError ? err : transportError(err, this.call)
  }

  protected ok (): boolean {
    return this.status >= 200 && this.status < 300
  }

  protected reject (err: Error): void {
    if (this.settled) return
    this.settled = true
    this.rejectWith(err)
  }

  /** The answer is 2xx: its headers are in. */
  protected abstract answerStarted (): void
  protected abstract answerPiece (controller: Dispatcher.DispatchController, piece: Buffer): void
  protected abstract answerEnded (): void
  /** A transport failure (or an abort) after a 2xx status. */
  protected abstract answerFailed (err: Error): void

  private done (): void {
    this.call.signal.removeListener('abort', this.onClientGone)
  }
}

/** Collects one whole 2xx answer and resolves with its text (a runaway answer beyond `maxBytes` is refused). */
export class WholeAnswer extends AnswerHandler {
  private readonly pieces: Buffer[] = []
  private size = 0

  constructor (call: UpstreamCall, private readonly maxBytes: number, private readonly resolve: (text: string) => void, reject: (err: Error) => void) {
    super(call, reject)
  }

  protected answerStarted (): void {}

  protected answerPiece (controller: Dispatcher.DispatchController, piece: Buffer): void {
    this.size += piece.length
    // a runaway upstream must not take the gateway's memory with it
    if (this.size > this.maxBytes) controller.abort(new UpstreamFailedError(`Provider ${this.call.provider.id} sent an answer larger than ${sizeText(this.maxBytes)}.`))
    else this.pieces.push(piece)
  }

  protected answerEnded (): void {
    this.resolve(utf8(this.pieces))
  }

  protected answerFailed (err: Error): void {
    this.reject(this.failure(err))
  }
}

/** What a streamed body tells its reader. */
export interface BodyListener {
  data: (piece: Buffer) => void
  end: () => void
  /** A transport failure (raw: the reader maps it, transportError). */
  error: (err: Error) => void
}

/**
 * A streamed 2xx answer's body as the socket parser hands it over: pieces, then its end or a failure, with
 * backpressure (pause: nothing more is handed over until resume) and `destroy` to stop the request. Nothing is
 * handed over after destroy.
 */
export interface StreamedBody {
  listen: (listener: BodyListener) => void
  pause: () => void
  resume: () => void
  destroy: () => void
}

/**
 * Resolves with the StreamedBody once a 2xx status is in. The parser is paused until the body has a listener, and
 * while its reader has it paused: undici stops parsing only after the piece in hand, which is held here until resume.
 */
export class StreamedAnswer extends AnswerHandler implements StreamedBody {
  private listener: BodyListener | undefined
  /**
   * From the 2xx status until a listener comes, and whenever its reader pauses; pieces are held only while paused (or
   * after a destroy), so it covers "no listener yet" and "pieces held" too.
   */
  private paused = false
  private readonly held: Buffer[] = []
  /** How the body ended while its reader could not be told (paused). */
  private outcome: { err?: Error } | undefined
  private ended = false
  private destroyed = false

  constructor (call: UpstreamCall, private readonly resolve: (body: StreamedBody) => void, reject: (err: Error) => void) {
    super(call, reject)
  }

  listen (listener: BodyListener): void {
    this.listener = listener
    this.resume()
  }

  pause (): void {
    this.paused = true
    this.controller?.pause()
  }

  resume (): void {
    const listener = this.listener
    if (listener === undefined) return
    this.paused = false
    while (this.held.length > 0 && !this.paused && !this.destroyed) listener.data(this.held.shift() as Buffer)
    if (this.paused || this.destroyed) return
    if (this.outcome === undefined) this.controller?.resume()
    else this.tell(listener, this.outcome)
  }

  destroy (): void {
    if (this.ended || this.destroyed) return
    this.destroyed = true
    this.controller?.abort(new ClientClosedError())
  }

  protected answerStarted (): void {
    this.pause()
    this.resolve(this)
  }

  protected answerPiece (_controller: Dispatcher.DispatchController, piece: Buffer): void {
    if (this.destroyed) return
    if (this.paused) this.held.push(piece)
    else this.listener?.data(piece)
  }

  protected answerEnded (): void {
    this.settle({})
  }

  protected answerFailed (err: Error): void {
    this.settle({ err })
  }

  private settle (outcome: { err?: Error }): void {
    if (this.ended || this.destroyed) return
    this.ended = true
    if (this.paused || this.listener === undefined) this.outcome = outcome
    else this.tell(this.listener, outcome)
  }

  private tell (listener: BodyListener, outcome: { err?: Error }): void {
    this.outcome = undefined
    if (outcome.err === undefined) listener.end()
    else listener.error(outcome.err)
  }
}
