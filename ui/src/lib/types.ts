// Shapes of the admin API (schemas/access-keys.ts and routes/api/admin/audit on the server).

export const SCOPES = ['chat', 'embeddings', 'images', 'admin'] as const
export type Scope = typeof SCOPES[number]

export interface AccessKey {
  id: string
  name: string
  prefix: string
  scopes: string[]
  models: string[]
  expiresAt: string | null
  revokedAt: string | null
  createdAt: string
  updatedAt: string
  lastUsedAt: string | null
  status: 'active' | 'expired' | 'revoked'
}

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
