import { sql, type Kysely } from 'kysely'
import type { Database } from './schema.js'

export type ConnectSessionStatus = 'pending' | 'approved' | 'denied'

export interface ConnectSessionRecord {
  idHash: string
  status: ConnectSessionStatus
  createdAt: string
  expiresAt: string
  keyId: string | null
  sealedSecret: string | null
  challenge: string | null
}

export interface Approval {
  keyId: string
  sealedSecret: string
  challenge: string
}

/** Sessions of `aigne hub connect` (see keys/connect-sessions.ts); every read and change ignores expired rows. */
export class ConnectSessionRepository {
  constructor (private readonly db: Kysely<Database>) {}

  /**
   * Opens a pending session unless `maxLive` unexpired sessions exist already; answers whether it did. The count and
   * the insert are one statement, so on SQLite the bound is exact; on Postgres concurrent opens can pass it by at
   * most the number of connections inserting at that instant.
   */
  async open (session: Pick<ConnectSessionRecord, 'idHash' | 'createdAt' | 'expiresAt'>, maxLive: number): Promise<boolean> {
    const live = this.db.selectFrom('connect_sessions').select((eb) => eb.fn.countAll().as('n')).where('expires_at', '>', session.createdAt)
    const result = await sql`insert into connect_sessions (id_hash, status, created_at, expires_at)
      select ${session.idHash}, 'pending', ${session.createdAt}, ${session.expiresAt} where (${live}) < ${maxLive}`.execute(this.db)
    return Number(result.numAffectedRows ?? 0) === 1
  }

  async find (idHash: string, now: string): Promise<ConnectSessionRecord | undefined> {
    const row = await this.db.selectFrom('connect_sessions').selectAll()
      .where('id_hash', '=', idHash).where('expires_at', '>', now).executeTakeFirst()
    return row && {
      idHash: row.id_hash,
      status: row.status as ConnectSessionStatus,
      createdAt: row.created_at,
      expiresAt: row.expires_at,
      keyId: row.key_id,
      sealedSecret: row.sealed_secret,
      challenge: row.challenge
    }
  }

  /** Approves a pending, unexpired session (once: a second approval or one after a denial changes nothing). */
  async approve (idHash: string, approval: Approval, now: string): Promise<boolean> {
    return await this.settle(idHash, now, { status: 'approved', key_id: approval.keyId, sealed_secret: approval.sealedSecret, challenge: approval.challenge })
  }

  async deny (idHash: string, now: string): Promise<boolean> {
    return await this.settle(idHash, now, { status: 'denied' })
  }

  async remove (idHash: string): Promise<boolean> {
    const result = await this.db.deleteFrom('connect_sessions').where('id_hash', '=', idHash).executeTakeFirst()
    return Number(result.numDeletedRows) > 0
  }

  async purgeExpired (now: string): Promise<number> {
    const result = await this.db.deleteFrom('connect_sessions').where('expires_at', '<=', now).executeTakeFirst()
    return Number(result.numDeletedRows)
  }

  private async settle (idHash: string, now: string, change: { status: ConnectSessionStatus, key_id?: string, sealed_secret?: string, challenge?: string }): Promise<boolean> {
    const result = await this.db.updateTable('connect_sessions').set(change)
      .where('id_hash', '=', idHash).where('status', '=', 'pending').where('expires_at', '>', now)
      .executeTakeFirst()
    return Number(result.numUpdatedRows) === 1
  }
}
