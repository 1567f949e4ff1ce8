import { EventEmitter } from 'node:events'
import type { UsageEvent } from '#schemas/usage-event.js'

export type { UsageEvent }

interface UsageEventMap {
  usage: [UsageEvent]
}

/**
 * The one hook metering (and anything else that counts calls) listens on:
 * `app.usageEvents.on('usage', (event) => …)`. Listeners run synchronously on the request path,
 * so they must only queue work; a throwing listener is caught and logged by the emitter's owner.
 */
export class UsageEvents extends EventEmitter<UsageEventMap> {
  /**
   * Resolves once the records of every event emitted so far are durable (metering, which owns the emitter, gives it: its journal writes the
   * records of one event-loop turn together); undefined when nothing is waiting. A call awaits it before its answer
   * ends, so a killed process has recorded every answer a client received in full.
   */
  constructor (readonly durable: () => Promise<void> | undefined = () => undefined) {
    super()
  }
}
