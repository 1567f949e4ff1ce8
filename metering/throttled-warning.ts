import { LRUCache } from 'lru-cache'

export interface ThrottledWarningOptions {
  /** A subject (a model name) is warned about at most once in this long. */
  everyMs: number
  /** Distinct subjects warned about within everyMs; past it, one summary line per everyMs counts the rest. */
  maxSubjects: number
  /** Writes one warning line. */
  warn: (fields: Record<string, unknown>, message: string) => void
}

/**
 * A warning about client-chosen subjects (model names) that stays loud enough to notice without letting a client
 * write a log line, or grow a set, per name it invents: bounded in lines per period and in memory.
 */
export class ThrottledWarning {
  private readonly warned: LRUCache<string, true>
  private suppressed = 0
  private summaryDueAt = 0

  constructor (private readonly message: string, private readonly options: ThrottledWarningOptions) {
    this.warned = new LRUCache({ max: options.maxSubjects, ttl: options.everyMs })
  }

  /** Warns about `subject` unless it was warned about recently, or too many others were. */
  note (subject: string, field: string): void {
    if (this.warned.has(subject)) return
    this.warned.purgeStale()
    if (this.warned.size < this.options.maxSubjects) {
      this.warned.set(subject, true)
      this.options.warn({ [field]: subject }, this.message)
      return
    }
    this.suppressed++
    const now = Date.now()
    if (now < this.summaryDueAt) return
    this.summaryDueAt = now + this.options.everyMs
    this.options.warn({ suppressed: this.suppressed }, `${this.message} (and for more ${field}s, not listed one by one)`)
    this.suppressed = 0
  }
}
