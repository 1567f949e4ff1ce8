import type { FastifyBaseLogger, FastifyServerOptions } from 'fastify'

type LogMethod = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace'
/** pino's loggers (Fastify's default) can say whether a level would be written. */
type PinoLike = FastifyBaseLogger & { isLevelEnabled: (level: string) => boolean }

/**
 * A request's logger that becomes the real pino child (bound to the request id) only when the request
 * logs something at an enabled level. Most API calls log nothing, while a pino child costs ~2 KB and a
 * redaction pass over its bindings on every request.
 */
class LazyChildLogger {
  #child: PinoLike | undefined

  constructor (
    private readonly parent: PinoLike,
    private readonly bindings: Record<string, unknown>
  ) {}

  private get real (): PinoLike {
    this.#child ??= this.parent.child(this.bindings) as PinoLike
    return this.#child
  }

  private log (method: LogMethod, args: unknown[]): void {
    if (this.#child === undefined && !this.parent.isLevelEnabled(method)) return
    (this.real[method] as (...a: unknown[]) => void)(...args)
  }

  get level (): string { return (this.#child ?? this.parent).level }
  set level (level: string) { this.real.level = level }
  isLevelEnabled (level: string): boolean { return (this.#child ?? this.parent).isLevelEnabled(level) }
  child (...args: Parameters<FastifyBaseLogger['child']>): FastifyBaseLogger { return this.real.child(...args) }
  fatal (...args: unknown[]): void { this.log('fatal', args) }
  error (...args: unknown[]): void { this.log('error', args) }
  warn (...args: unknown[]): void { this.log('warn', args) }
  info (...args: unknown[]): void { this.log('info', args) }
  debug (...args: unknown[]): void { this.log('debug', args) }
  trace (...args: unknown[]): void { this.log('trace', args) }
  silent (): void {}
}

/**
 * Fastify's `childLoggerFactory`: a lazy child where that is safe, pino's own child where a route sets its
 * own log level (the child must then filter differently from its parent) or the logger is not pino.
 */
export const lazyChildLogger: NonNullable<FastifyServerOptions['childLoggerFactory']> = function (logger, bindings, options) {
  const parent = logger as Partial<PinoLike> & FastifyBaseLogger
  if (options.level !== undefined || typeof parent.isLevelEnabled !== 'function') return logger.child(bindings, options)
  return new LazyChildLogger(parent as PinoLike, bindings) as unknown as FastifyBaseLogger
}
