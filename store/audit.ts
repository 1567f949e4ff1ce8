import { timeOrderedId } from './time-ordered-id.js'
import type { Kysely } from 'kysely'
import type { Database } from './schema.js'

export interface AuditEntry {
  id: string
  at: string
  actor: string
  action: string
  targetType: string
  targetId: string | null
  ip: string | null
  details: Record<string, unknown> | null
}

export interface AuditQuery {
  limit: number
  offset: number
  action?: string | undefined
  targetId?: string | undefined
  since?: string | undefined
  until?: string | undefined
}

export class AuditRepository {
  constructor (private readonly db: Kysely<Database>) {}

  async record (entry: Omit<AuditEntry, 'id' | 'at'> & { at?: string }): Promise<AuditEntry> {
    const full: AuditEntry = { id: timeOrderedId(), at: entry.at ?? new Date().toISOString(), ...entry }
    await this.db.insertInto('audit_log').values({
      id: full.id,
      at: full.at,
      actor: full.actor,
      action: full.action,
      target_type: full.targetType,
      target_id: full.targetId,
      ip: full.ip,
      details: full.details === null ? null : JSON.stringify(full.details)
    }).execute()
    return full
  }

  async list (query: AuditQuery): Promise<AuditEntry[]> {
    let q = this.db.selectFrom('audit_log').selectAll()
    if (query.action !== undefined) q = q.where('action', '=', query.action)
    if (query.targetId !== undefined) q = q.where('target_id', '=', query.targetId)
    if (query.since !== undefined) q = q.where('at', '>=', query.since)
    if (query.until !== undefined) q = q.where('at', '<', query.until)
    const rows = await q.orderBy('at', 'desc').orderBy('id', 'desc').limit(query.limit).offset(query.offset).execute()
    return rows.map((r) => ({
      id: r.id,
      at: r.at,
      actor: r.actor,
      action: r.action,
      targetType: r.target_type,
      targetId: r.target_id,
      ip: r.ip,
      details: r.details === null ? null : JSON.parse(r.details) as Record<string, unknown>
    }))
  }
}
