import fp from 'fastify-plugin'
import underPressure from '@fastify/under-pressure'
import { OverloadedError } from '#errors.js'

/**
 * Sheds load with 503 + Retry-After when the event loop is saturated, instead of letting every request time out.
 * MAX_EVENT_LOOP_DELAY_MS=0 leaves the plugin out altogether: it would still sample the event loop every 10 ms and
 * read the process's memory every second, for a check nobody asked for.
 */
export default fp(async (app) => {
  const maxEventLoopDelay = app.config.MAX_EVENT_LOOP_DELAY_MS
  if (maxEventLoopDelay === 0) return
  await app.register(underPressure, {
    maxEventLoopDelay,
    retryAfter: 5,
    customError: OverloadedError,
    // health routes must keep answering so an orchestrator can see the state
    exposeStatusRoute: false
  })
}, { name: 'under-pressure' })
