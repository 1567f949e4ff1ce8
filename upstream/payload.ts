import type { UsageType } from '#schemas/chat.js'
import { reportedUsage } from './answer-check.js'

/**
 * A JSON document held as text, as an object, or both, converting lazily: pass-through providers relay
 * the upstream's bytes untouched (no parse, no re-serialization), translating ones build objects, and
 * each consumer reads the form it needs.
 */
export class JsonPayload<T> {
  /** Token usage this payload reports (the provider's latest count), for the usage event. */
  usage: UsageType | undefined
  /** A trailing stream chunk that only carries usage (choices: []); dropped for clients that did not ask for usage. */
  usageOnly = false

  private constructor (private textForm: string | undefined, private valueForm: T | undefined) {}

  static fromText<T> (text: string): JsonPayload<T> {
    return new JsonPayload<T>(text, undefined)
  }

  static fromValue<T> (value: T): JsonPayload<T> {
    return new JsonPayload<T>(undefined, value)
  }

  /** Both forms known already (an answer that had to be parsed anyway): neither is computed again. */
  static fromBoth<T> (text: string, value: T): JsonPayload<T> {
    return new JsonPayload<T>(text, value)
  }

  get text (): string {
    this.textForm ??= JSON.stringify(this.valueForm)
    return this.textForm
  }

  /** Parsed on first access; throws SyntaxError for text that is not JSON. */
  get value (): T {
    this.valueForm ??= JSON.parse(this.textForm as string) as T
    return this.valueForm
  }

  /** Keeps the provider's usage only when its counts are real ones (see reportedUsage). */
  withUsage (usage: UsageType | null | undefined, usageOnly = false): this {
    this.usage = reportedUsage(usage)
    this.usageOnly = usageOnly
    return this
  }
}
