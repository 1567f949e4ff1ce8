import { sql, type Kysely, type Selectable } from 'kysely'
import type { AccessKeysTable, Database } from './schema.js'
import type { CreditPeriod, KeyLimits } from '#schemas/principal.js'

/** A page of the key list, optionally narrowed by a search (see AccessKeyRepository.list). */
export interface AccessKeyQuery {
  limit: number
  offset: number
  search?: string | undefined
}

/** An access key as the rest of the gateway sees it; the secret itself is never stored. */
export interface AccessKey extends KeyLimits {
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
  /** Who issued it ("sso:<email>", "access-key:<id>", "jwt:<sub>", "cli:<user>"); null for keys older than this record. */
  createdBy: string | null
  /** The single sign-on session that issued it, if one did. */
  createdBySession: string | null
}

type Creator = 'createdBy' | 'createdBySession'

export interface NewAccessKey extends Omit<AccessKey, 'revokedAt' | 'lastUsedAt' | 'updatedAt' | keyof KeyLimits | Creator>, Partial<KeyLimits>, Partial<Pick<AccessKey, Creator>> {
  hash: string
}

export type AccessKeyPatch = Partial<Pick<AccessKey, 'name' | 'scopes' | 'models' | 'expiresAt' | keyof KeyLimits>>

export interface Rotation {
  hash: string
  prefix: string
  /** Keep accepting the old secret until this time; null ends it at once. */
  previousValidUntil: string | null
}

function toAccessKey (row: Selectable<AccessKeysTable>): AccessKey {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    scopes: JSON.parse(row.scopes) as string[],
    models: JSON.parse(row.models) as string[],
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    lastUsedAt: row.last_used_at,
    creditLimit: row.credit_limit === null ? null : Number(row.credit_limit),
    creditPeriod: (row.credit_period ?? 'total') as CreditPeriod,
    perAppCreditLimit: row.per_app_credit_limit == null ? null : Number(row.per_app_credit_limit),
    rpm: row.rpm,
    tpm: row.tpm,
    maxConcurrent: row.max_concurrent ?? null,
    createdBy: row.created_by ?? null,
    createdBySession: row.created_by_session ?? null
  }
}

function toRow (key: NewAccessKey): Selectable<AccessKeysTable> {
  return {
    id: key.id,
    name: key.name,
    prefix: key.prefix,
    hash: key.hash,
    previous_hash: null,
    previous_hash_expires_at: null,
    scopes: JSON.stringify(key.scopes),
    models: JSON.stringify(key.models),
    expires_at: key.expiresAt,
    revoked_at: null,
    created_at: key.createdAt,
    updated_at: key.createdAt,
    last_used_at: null,
    credit_limit: key.creditLimit ?? null,
    credit_period: key.creditPeriod ?? 'total',
    per_app_credit_limit: key.perAppCreditLimit ?? null,
    rpm: key.rpm ?? null,
    tpm: key.tpm ?? null,
    max_concurrent: key.maxConcurrent ?? null,
    created_by: key.createdBy ?? null,
    created_by_session: key.createdBySession ?? null
  }
}

/** Every column a fresh secret resets on an existing fixed-id key. */
function replacement (key: NewAccessKey): Partial<AccessKeysTable> {
  const { hash, prefix, name, scopes, models, expires_at: expiresAt } = toRow(key)
  return { hash, prefix, name, scopes, models, expires_at: expiresAt, revoked_at: null, updated_at: key.createdAt, previous_hash: null, previous_hash_expires_at: null }
}

export class AccessKeyRepository {
  /** `announce`, when given, runs in the same transaction as every key change (Postgres NOTIFY). */
  constructor (private readonly db: Kysely<Database>, private readonly announce?: (db: Kysely<Database>) => Promise<void>) {}

  async insert (key: NewAccessKey): Promise<AccessKey> {
    const row = toRow(key)
    await this.write(async (db) => await db.insertInto('access_keys').values(row).execute())
    return toAccessKey(row)
  }

  /**
   * The key whose current secret hashes to `hash`, or whose previous secret does and is still in its
   * grace window; `secretValidUntil` is the end of that window (null for a current secret).
   */
  async findByHash (hash: string, now: string): Promise<{ key: AccessKey, secretValidUntil: string | null } | undefined> {
    const row = await this.db.selectFrom('access_keys').selectAll()
      .where((eb) => eb.or([
        eb('hash', '=', hash),
        eb.and([eb('previous_hash', '=', hash), eb('previous_hash_expires_at', '>', now)])
      ]))
      .executeTakeFirst()
    if (row === undefined) return undefined
    return { key: toAccessKey(row), secretValidUntil: row.hash === hash ? null : row.previous_hash_expires_at }
  }

  async findById (id: string): Promise<AccessKey | undefined> {
    const row = await this.db.selectFrom('access_keys').selectAll().where('id', '=', id).executeTakeFirst()
    return row && toAccessKey(row)
  }

  /** A page of keys, newest first; `total` counts every key the search matches. */
  async list ({ limit, offset, search }: AccessKeyQuery): Promise<{ items: AccessKey[], total: number }> {
    let matching = this.db.selectFrom('access_keys')
    if (search !== undefined) {
      // LIKE's wildcards in the search are literal; lower() on both sides: Postgres compares case-sensitively
      const literal = search.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)
      matching = matching.where(({ or, eb }) => or([
        eb(sql`lower(name)`, 'like', sql`${`%${literal}%`} escape '\\'`),
        eb(sql`lower(prefix)`, 'like', sql`${`${literal}%`} escape '\\'`),
        eb('id', '=', search)
      ]))
    }
    const rows = await matching.selectAll().orderBy('created_at', 'desc').orderBy('id').limit(limit).offset(offset).execute()
    const { total } = await matching.select((eb) => eb.fn.countAll<string | number>().as('total')).executeTakeFirstOrThrow()
    return { items: rows.map(toAccessKey), total: Number(total) }
  }

  async update (id: string, patch: AccessKeyPatch, now: string): Promise<AccessKey | undefined> {
    const values: Partial<AccessKeysTable> = { updated_at: now }
    if (patch.name !== undefined) values.name = patch.name
    if (patch.scopes !== undefined) values.scopes = JSON.stringify(patch.scopes)
    if (patch.models !== undefined) values.models = JSON.stringify(patch.models)
    if (patch.expiresAt !== undefined) values.expires_at = patch.expiresAt
    if (patch.creditLimit !== undefined) values.credit_limit = patch.creditLimit
    if (patch.creditPeriod !== undefined) values.credit_period = patch.creditPeriod
    if (patch.perAppCreditLimit !== undefined) values.per_app_credit_limit = patch.perAppCreditLimit
    if (patch.rpm !== undefined) values.rpm = patch.rpm
    if (patch.tpm !== undefined) values.tpm = patch.tpm
    if (patch.maxConcurrent !== undefined) values.max_concurrent = patch.maxConcurrent
    await this.write(async (db) => await db.updateTable('access_keys').set(values).where('id', '=', id).execute())
    return await this.findById(id)
  }

  async rotate (id: string, rotation: Rotation, now: string): Promise<AccessKey | undefined> {
    await this.write(async (db) => await db.updateTable('access_keys')
      .set((eb) => ({
        previous_hash: rotation.previousValidUntil === null ? null : eb.ref('hash'),
        previous_hash_expires_at: rotation.previousValidUntil,
        hash: rotation.hash,
        prefix: rotation.prefix,
        updated_at: now
      }))
      .where('id', '=', id).where('revoked_at', 'is', null).execute())
    return await this.findById(id)
  }

  async revoke (id: string, now: string): Promise<AccessKey | undefined> {
    await this.write(async (db) => await db.updateTable('access_keys')
      .set({ revoked_at: now, updated_at: now, previous_hash: null, previous_hash_expires_at: null })
      .where('id', '=', id).where('revoked_at', 'is', null).execute())
    return await this.findById(id)
  }

  /**
   * Replaces the secret of a key whose id is fixed (the ADMIN_KEY bootstrap key), creating it if missing.
   * Safe when replicas start at once: the insert yields to a row another one just created.
   */
  async upsertHash (key: NewAccessKey): Promise<void> {
    if (await this.insertUnlessPresent(key)) return
    await this.write(async (db) => await db.updateTable('access_keys').set(replacement(key))
      .where('id', '=', key.id).where('hash', '!=', key.hash).execute())
  }

  /**
   * Creates key `key.id`, or gives it the new secret if that key exists but is revoked or expired.
   * True when this call did it, so of replicas starting at once exactly one wins (and prints the secret).
   */
  async claim (key: NewAccessKey, now: string): Promise<boolean> {
    if (await this.insertUnlessPresent(key)) return true
    const result = await this.write(async (db) => await db.updateTable('access_keys').set(replacement(key))
      .where('id', '=', key.id)
      .where((eb) => eb.or([eb('revoked_at', 'is not', null), eb.and([eb('expires_at', 'is not', null), eb('expires_at', '<=', now)])]))
      .executeTakeFirst())
    return Number(result.numUpdatedRows) > 0
  }

  private async insertUnlessPresent (key: NewAccessKey): Promise<boolean> {
    const result = await this.write(async (db) => await db.insertInto('access_keys').values(toRow(key)).onConflict((oc) => oc.doNothing()).executeTakeFirst())
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0
  }

  /** The live keys issued under any of these single sign-on sessions, newest first. */
  async activeCreatedBySessions (sessionIds: string[], now: string): Promise<AccessKey[]> {
    if (sessionIds.length === 0) return []
    const rows = await this.db.selectFrom('access_keys').selectAll()
      .where('created_by_session', 'in', sessionIds).where('revoked_at', 'is', null)
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
      .orderBy('created_at', 'desc').orderBy('id').execute()
    return rows.map(toAccessKey)
  }

  /** Runs a key change, announced to other replicas in the same transaction where the store needs that. */
  private async write<T> (change: (db: Kysely<Database>) => Promise<T>): Promise<T> {
    const announce = this.announce
    if (announce === undefined) return await change(this.db)
    // already inside a caller's transaction (an audited change): Kysely cannot nest one
    if (this.db.isTransaction) {
      const result = await change(this.db)
      await announce(this.db)
      return result
    }
    return await this.db.transaction().execute(async (trx) => {
      const result = await change(trx)
      await announce(trx)
      return result
    })
  }

  async hasActiveAdmin (now: string): Promise<boolean> {
    const rows = await this.db.selectFrom('access_keys').select(['scopes', 'expires_at'])
      .where('revoked_at', 'is', null).where('scopes', 'like', '%"admin"%').execute()
    return rows.some((r) => r.expires_at === null || r.expires_at > now)
  }

  /** Records last use times gathered off the hot path; only ever moves a timestamp forward. */
  async touch (lastUsed: Map<string, string>): Promise<void> {
    if (lastUsed.size === 0) return
    await this.db.transaction().execute(async (trx) => {
      for (const [id, at] of lastUsed) {
        await trx.updateTable('access_keys').set({ last_used_at: at })
          .where('id', '=', id)
          .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', at)]))
          .execute()
      }
    })
  }
}
