import type { FastifyInstance, FastifyRequest } from 'fastify'

/** Longest text of a failed sign-in kept in the audit log: what the identity provider or the browser sent is bounded. */
const DETAIL_MAX = 200
/** Failed sign-ins recorded per minute and process: anyone can fail one, and must not be able to flood the audit log. */
const RECORDS_PER_MINUTE = 60

/** One line of text, control and format characters replaced, cut to `max` characters. */
export function sanitized (text: string, max = DETAIL_MAX): string {
  const flat = text.replace(/[\p{Cc}\p{Cf}]/gu, ' ')
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat
}

/** What went wrong, with the cause's message (openid-client says which check failed): never a token, code or secret. */
function detailOf (err: unknown): string {
  if (!(err instanceof Error)) return 'unknown error'
  const cause = err.cause instanceof Error ? `: ${err.cause.message}` : ''
  return sanitized(err.message + cause)
}

/**
 * Records failed single sign-ins (bad or missing state, an identity not allowed or not verified, an identity provider
 * error) in the audit log as action admin.sso_failed. Past RECORDS_PER_MINUTE a minute only the log has them.
 */
export function failedSignInRecorder (app: FastifyInstance): (request: FastifyRequest, reason: string, err: unknown) => Promise<void> {
  let windowStart = 0
  let recorded = 0
  return async (request, reason, err) => {
    const now = Date.now()
    if (now - windowStart >= 60_000) {
      windowStart = now
      recorded = 0
    }
    if (++recorded > RECORDS_PER_MINUTE) return
    try {
      await app.audit(request, { action: 'admin.sso_failed', targetType: 'admin_session', targetId: null, details: { reason, detail: detailOf(err) } })
    } catch {
      // app.audit logged it; the sign-in has failed anyway
    }
  }
}
