/** Table shapes as Kysely sees them. Timestamps are ISO-8601 UTC strings in both dialects so they sort and compare as text. */
export interface AccessKeysTable {
  id: string
  name: string
  prefix: string
  hash: string
  /** Hash of the secret this key had before its last rotation, accepted until previous_hash_expires_at. */
  previous_hash: string | null
  previous_hash_expires_at: string | null
  /** JSON array of scope names. */
  scopes: string
  /** JSON array of model patterns such as "openai/*". */
  models: string
  expires_at: string | null
  revoked_at: string | null
  created_at: string
  updated_at: string
  last_used_at: string | null
}

export interface AuditLogTable {
  id: string
  at: string
  actor: string
  action: string
  target_type: string
  target_id: string | null
  ip: string | null
  /** JSON object with action-specific details (never secrets). */
  details: string | null
}

export interface Database {
  access_keys: AccessKeysTable
  audit_log: AuditLogTable
}
