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
      summary: 'Credits used and remaining for the calling key, and its usage by model and by calling app in the current period',
      response: { 200: KeyUsageReport, ...errorResponses(401, 503) }
    }
  }, async (request) => {
    const principal = request.principal!
    const { creditLimit, creditPeriod, perAppCreditLimit, rpm, tpm, maxConcurrent } = principal.limits
    const since = periodStart(creditPeriod)
    const until = new Date(Date.now() + 1000).toISOString()
    await app.metering.recorder.flush()
    const [creditsUsed, byModel, byApp] = await Promise.all([
      app.metering.ledger.used(principal.id, since),
      app.store.usage.aggregate({ since, until, groupBy: ['model'], keyId: principal.id }),
      app.store.usage.aggregate({ since, until, groupBy: ['app'], keyId: principal.id })
    ])
    return {
      keyId: principal.id,
      period: creditPeriod,
      periodStart: since,
      creditLimit,
      perAppCreditLimit,
      creditsUsed,
      creditsRemaining: creditLimit === null ? null : Math.max(0, creditLimit - creditsUsed),
      rpm,
      tpm,
      maxConcurrent,
      byModel,
      byApp: byApp.sort((a, b) => (a.app ?? '').localeCompare(b.app ?? ''))
    }
  })
}

export default usage
