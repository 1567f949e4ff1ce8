import fp from 'fastify-plugin'
import cors from '@fastify/cors'

/** CORS for browser clients, off unless CORS_ORIGINS lists origins (or "*"). */
export default fp(async (app) => {
  const origins = app.config.CORS_ORIGINS
  if (origins === undefined) return
  await app.register(cors, {
    origin: origins.trim() === '*' ? '*' : origins.split(',').map((o) => o.trim()).filter(Boolean),
    methods: ['GET', 'POST', 'PATCH', 'DELETE', 'OPTIONS'],
    allowedHeaders: ['authorization', 'content-type', 'x-request-id', 'x-aigne-hub-client-did', 'x-hubgate-include-cost'],
    exposedHeaders: ['x-request-id', 'retry-after', 'server-timing', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset', 'x-hubgate-cost'],
    maxAge: 600
  })
}, { name: 'cors' })
