import type { Kysely } from 'kysely'
import type { Database } from './schema.js'

export interface AdminSessionRecord {
  id: string
  subject: string
  email: string | null
  name: string | null
  issuedAt: string
  expiresAt: string
}

/** Admin sessions from single sign-on: a session is live while its row exists, is unexpired and not revoked. */
export class AdminSessionRepository {
  constructor (private readonly db: Kysely<Database>) {}

  async create (session: AdminSessionRecord): Promise<void> {
    await this.db.insertInto('admin_sessions').values({
      id: session.id,
      subject: session.subject,
      email: session.email,
      name: session.name,
      issued_at: session.issuedAt,
      expires_at: session.expiresAt,
      revoked_at: null
    }).execute()
  }

  async isLive (id: string, now: string): Promise<boolean> {
    const row = await this.db.selectFrom('admin_sessions').select('id')
      .where('id', '=', id).where('revoked_at', 'is', null).where('expires_at', '>', now)
      .executeTakeFirst()
    return row !== undefined
  }

  /** Live sessions, newest first. */
  async listLive (now: string): Promise<AdminSessionRecord[]> {
    const rows = await this.db.selectFrom('admin_sessions').selectAll()
      .where('revoked_at', 'is', null).where('expires_at', '>', now)
      .orderBy('issued_at', 'desc').orderBy('id', 'desc')
      .execute()
    return rows.map((r) => ({ id: r.id, subject: r.subject, email: r.email, name: r.name, issuedAt: r.issued_at, expiresAt: r.expires_at }))
  }

  /** Ends the live sessions among `ids` (every live one when undefined); answers the ids of those it ended. */
  async revoke (now: string, ids?: string[]): Promise<string[]> {
    let q = this.db.updateTable('admin_sessions').set({ revoked_at: now })
      .where('revoked_at', 'is', null).where('expires_at', '>', now)
    if (ids !== undefined) q = q.where('id', 'in', ids)
    const rows = await q.returning('id').execute()
    return rows.map((r) => r.id)
  }

  /** Deletes sessions that expired before `before` (revoked or not): they can never be accepted again. */
  async purgeExpired (before: string): Promise<number> {
    const result = await this.db.deleteFrom('admin_sessions').where('expires_at', '<', before).executeTakeFirst()
    return Number(result.numDeletedRows)
  }
}
