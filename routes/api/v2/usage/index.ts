import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { periodStart } from '#metering/ledger/memory.js'
import { errorResponses } from '#schemas/error.js'
import { KeyUsageReport } from '#schemas/usage.js'

/** Self-service: what the calling key has spent this period and its tokens by model. Any valid key may ask about itself. */
const usage: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/', {
    schema: {
      tags: ['usage'],
      security: [{ bearerAuth: [] }],
      summary: 'Credits used and remaining for the calling key, and its usage by model in the current period',
      response: { 200: KeyUsageReport, ...errorResponses(401, 503) }
    }
  }, async (request) => {
    const principal = request.principal!
    const { creditLimit, creditPeriod, rpm, tpm, maxConcurrent } = principal.limits
    const since = periodStart(creditPeriod)
    await app.metering.recorder.flush()
    const [creditsUsed, byModel] = await Promise.all([
      app.metering.ledger.used(principal.id, since),
      app.store.usage.aggregate({ since, until: new Date(Date.now() + 1000).toISOString(), groupBy: ['model'], keyId: principal.id })
    ])
    return {
      keyId: principal.id,
      period: creditPeriod,
      periodStart: since,
      creditLimit,
      creditsUsed,
      creditsRemaining: creditLimit === null ? null : Math.max(0, creditLimit - creditsUsed),
      rpm,
      tpm,
      maxConcurrent,
      byModel
    }
  })
}

export default usage
