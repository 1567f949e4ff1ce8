import type { ConditionalPrice, ModelInfo, ModelPrice } from '@pydantic/genai-prices'

/*
 * Some of the package's prices hold only at certain times: from a date on (`start_date`), or at a time of day
 * (`time_of_date`, DeepSeek's peak and off-peak hours, in UTC). A model's `prices` is then a list the package reads
 * from the last entry back, taking the first whose constraint holds at the call's time (an entry without a
 * constraint always holds). The same rule here, compiled once per model, so a call finds its price without the
 * package's whole model lookup; test/catalog/price-windows.test.ts checks it against the package's own answers.
 */

const SECONDS_PER_DAY = 86_400
const TIME_OF_DAY = /^(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|([+-])(\d{2}):(\d{2}))$/

/** "16:30:00Z" (or with an offset) → seconds after midnight UTC; undefined when malformed (the package refuses those too). */
function secondsOfDay (time: string): number | undefined {
  const parts = TIME_OF_DAY.exec(time)
  if (parts === null) return undefined
  const [, hours, minutes, seconds, fraction = '', zone, sign, offsetHours = '00', offsetMinutes = '00'] = parts
  const local = Number(hours) * 3600 + Number(minutes) * 60 + Number(seconds) + Number(`0.${fraction}`)
  const offset = zone === 'Z' ? 0 : (sign === '+' ? 1 : -1) * (Number(offsetHours) * 60 + Number(offsetMinutes)) * 60
  return (local - offset + SECONDS_PER_DAY) % SECONDS_PER_DAY
}

/** One price of a model and when it holds. */
export interface PriceWindow {
  prices: ModelPrice
  /** Undefined: always. */
  holdsAt?: (at: Date) => boolean
  /** It holds at some times of day only: a call may start in it whatever the date. */
  timeOfDay: boolean
}

function windowOf (entry: ConditionalPrice): PriceWindow {
  const constraint = entry.constraint
  if (constraint === undefined) return { prices: entry.prices, timeOfDay: false }
  if (constraint.type === 'start_date') {
    const from = Date.parse(`${constraint.start_date}T00:00:00Z`)
    return { prices: entry.prices, holdsAt: (at) => at.getTime() >= from, timeOfDay: false }
  }
  const start = secondsOfDay(constraint.start_time)
  const end = secondsOfDay(constraint.end_time)
  if (start === undefined || end === undefined) return { prices: entry.prices, holdsAt: () => false, timeOfDay: true }
  return {
    prices: entry.prices,
    holdsAt: (at) => {
      const second = (at.getTime() % 86_400_000 + 86_400_000) % 86_400_000 / 1000
      return end < start ? second >= start || second < end : second >= start && second < end
    },
    timeOfDay: true
  }
}

/** A model's prices in the order the package reads them: the last that holds wins, else the first. */
export class PriceSchedule {
  readonly windows: readonly PriceWindow[]

  constructor (model: ModelInfo) {
    this.windows = Array.isArray(model.prices) ? model.prices.map(windowOf) : [{ prices: model.prices, timeOfDay: false }]
  }

  /** The price in force at `at`. */
  at (at: Date): ModelPrice {
    for (let i = this.windows.length - 1; i >= 0; i--) {
      const window = this.windows[i] as PriceWindow
      if (window.holdsAt === undefined || window.holdsAt(at)) return window.prices
    }
    return (this.windows[0] as PriceWindow).prices
  }

  /** Every price a call starting at `from` or a little later may pay: the one in force then and each time-of-day one. */
  possibleFrom (from: Date): ModelPrice[] {
    const current = this.at(from)
    return [current, ...this.windows.filter((w) => w.timeOfDay && w.prices !== current).map((w) => w.prices)]
  }
}
