// Shapes of the admin API. The access key comes type-only from the server's own schema (erased from the
// bundle), so the UI cannot drift from it; the audit entry mirrors routes/api/admin/audit, whose schema is private.
import type { AccessKeyViewType } from '../../../schemas/access-keys.js'

export type AccessKey = AccessKeyViewType

// the same list as lib/principal.ts on the server (a value, so it is bundled; kept here to stay inside ui/)
export const SCOPES = ['chat', 'embeddings', 'images', 'admin'] as const

export interface IssuedAccessKey extends AccessKey {
  /** The secret, present only in the create/rotate answer. */
  key: string
}

export interface AccessKeyList {
  items: AccessKey[]
  total: number
}

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
