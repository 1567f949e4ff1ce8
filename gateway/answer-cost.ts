import { JsonPayload } from '#upstream/payload.js'
import type { Usage } from '#upstream/types.js'

/** The response header that states a non-streamed call's cost in credits (absent when the model has no price). */
export const COST_HEADER = 'x-hubgate-cost'
/** The request header that asks for `usage.cost` in OpenAI answers (streams can also ask with `stream_options.include_cost`). */
export const INCLUDE_COST_HEADER = 'x-hubgate-include-cost'

/**
 * The answer (or trailing usage chunk) with `usage.cost` set to the credits the call is charged. Only a client that
 * asked gets it: strict clients are not surprised by a field OpenAI does not send. Unchanged when the answer has no
 * usage or the model no price (a missing cost never reads as "free").
 */
export function withCost<T extends { usage?: Usage | null | undefined }> (payload: JsonPayload<T>, credits: number | undefined): JsonPayload<T> {
  const usage = payload.value.usage
  if (usage == null || credits === undefined) return payload
  return JsonPayload.fromValue<T>({ ...payload.value, usage: { ...usage, cost: credits } }).withUsage(payload.usage, payload.usageOnly)
}
