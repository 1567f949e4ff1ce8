import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { periodStart } from '#metering/ledger/memory.js'
import { UserInfo } from '#schemas/connect.js'
import { errorResponses } from '#schemas/error.js'

/** Credits as AIGNE Hub writes them: decimal text, without float noise. */
function creditText (value: number): string {
  return String(Number(value.toFixed(6)))
}

/**
 * GET /api/user/info: who the calling key is and its credits, in AIGNE Hub's shape (`aigne hub status`,
 * @blocklet/aigne-hub). A key is the "user" here: its name, its id; credits are its limit and what is left this period.
 */
const userInfo: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/', {
    schema: {
      tags: ['aigne'],
      security: [{ bearerAuth: [] }],
      summary: 'The calling key as an AIGNE Hub user: name, id, credit limit and credits left',
      response: { 200: UserInfo, ...errorResponses(401, 503) }
    }
  }, async (request) => {
    const principal = request.principal!
    const { creditLimit, creditPeriod } = principal.limits
    let creditBalance = null
    if (creditLimit !== null) {
      await app.metering.recorder.flush()
      const used = await app.metering.ledger.used(principal.id, periodStart(creditPeriod))
      creditBalance = { balance: creditText(Math.max(0, creditLimit - used)), total: creditText(creditLimit) }
    }
    return {
      user: { fullName: principal.name, did: principal.id, email: null },
      creditBalance,
      paymentLink: app.config.USER_PAYMENT_LINK ?? null,
      profileLink: app.config.USER_PROFILE_LINK ?? null,
      enableCredit: creditLimit !== null
    }
  })
}

export default userInfo
