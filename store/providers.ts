import type { Kysely, Selectable } from 'kysely'
import type { AdapterKind } from '#schemas/providers.js'
import type { Database, ProviderCredentialsTable, ProvidersTable } from './schema.js'

/** An admin-managed provider as stored (credentials live in their own table). */
export interface StoredProvider {
  id: string
  kind: AdapterKind
  displayName: string
  baseUrl: string
  enabled: boolean
  models: string[]
  /** The price package's provider that prices its models: 'auto' (match the base URL), null for none, or its id. */
  priceProvider: string | null
  createdAt: string
  updatedAt: string
}

export type StoredProviderPatch = Partial<Pick<StoredProvider, 'displayName' | 'baseUrl' | 'enabled' | 'models' | 'priceProvider'>>

/** A credential row; `sealed` is the ciphertext, opened only by gateway/credentials.ts. */
export interface StoredCredential {
  id: string
  providerId: string
  label: string
  sealed: string
  hint: string
  weight: number
  disabledReason: string | null
  cooldownUntil: string | null
  createdAt: string
  updatedAt: string
}

/** A credential with its provider's base URL as of the same read: the URL the credential was entered for. */
export interface CredentialWithBaseUrl extends StoredCredential {
  providerBaseUrl: string
}

export type StoredCredentialPatch = Partial<Pick<StoredCredential, 'label' | 'weight' | 'disabledReason' | 'cooldownUntil' | 'sealed' | 'hint'>>

function toProvider (row: Selectable<ProvidersTable>): StoredProvider {
  return {
    id: row.id,
    kind: row.kind as AdapterKind,
    displayName: row.display_name,
    baseUrl: row.base_url,
    enabled: Number(row.enabled) === 1,
    models: JSON.parse(row.models) as string[],
    priceProvider: row.price_provider,
    createdAt: row.created_at,
    updatedAt: row.updated_at
  }
}

function toCredential (row: Selectable<ProviderCredentialsTable>): StoredCredential {
  return {
    id: row.id,
    providerId: row.provider_id,
    label: row.label,
    sealed: row.secret_ciphertext,
    hint: row.secret_hint,
    weight: Number(row.weight),
    disabledReason: row.disabled_reason,
    cooldownUntil: row.cooldown_until,
    createdAt: row.created_at,
    updatedAt: row.updated_at
  }
}

export class ProviderRepository {
  constructor (private readonly db: Kysely<Database>) {}

  async list (): Promise<StoredProvider[]> {
    return (await this.db.selectFrom('providers').selectAll().orderBy('id').execute()).map(toProvider)
  }

  async find (id: string): Promise<StoredProvider | undefined> {
    const row = await this.db.selectFrom('providers').selectAll().where('id', '=', id).executeTakeFirst()
    return row && toProvider(row)
  }

  /** Inserts; returns undefined when the id already exists. */
  async insert (p: StoredProvider): Promise<StoredProvider | undefined> {
    const result = await this.db.insertInto('providers').values({
      id: p.id,
      kind: p.kind,
      display_name: p.displayName,
      base_url: p.baseUrl,
      enabled: p.enabled ? 1 : 0,
      models: JSON.stringify(p.models),
      price_provider: p.priceProvider,
      created_at: p.createdAt,
      updated_at: p.updatedAt
    }).onConflict((oc) => oc.column('id').doNothing()).executeTakeFirst()
    return Number(result.numInsertedOrUpdatedRows ?? 0) === 1 ? p : undefined
  }

  /** `dropCredentials`: the provider's credentials are deleted in the same transaction (its origin changed). */
  async update (id: string, patch: StoredProviderPatch, now: string, dropCredentials = false): Promise<StoredProvider | undefined> {
    const values: Partial<ProvidersTable> = { updated_at: now }
    if (patch.displayName !== undefined) values.display_name = patch.displayName
    if (patch.baseUrl !== undefined) values.base_url = patch.baseUrl
    if (patch.enabled !== undefined) values.enabled = patch.enabled ? 1 : 0
    if (patch.models !== undefined) values.models = JSON.stringify(patch.models)
    if (patch.priceProvider !== undefined) values.price_provider = patch.priceProvider
    await this.atomically(async (trx) => {
      if (dropCredentials) await trx.deleteFrom('provider_credentials').where('provider_id', '=', id).execute()
      await trx.updateTable('providers').set(values).where('id', '=', id).execute()
    })
    return await this.find(id)
  }

  /** Deletes the provider and (cascade) its credentials. */
  async delete (id: string): Promise<boolean> {
    return await this.atomically(async (trx) => {
      await trx.deleteFrom('provider_credentials').where('provider_id', '=', id).execute()
      const result = await trx.deleteFrom('providers').where('id', '=', id).executeTakeFirst()
      return Number(result.numDeletedRows) > 0
    })
  }

  /** Every credential, or one provider's, oldest first. */
  async credentials (providerId?: string): Promise<StoredCredential[]> {
    let query = this.db.selectFrom('provider_credentials').selectAll()
    if (providerId !== undefined) query = query.where('provider_id', '=', providerId)
    return (await query.orderBy('created_at').orderBy('id').execute()).map(toCredential)
  }

  /** Every credential with its provider's base URL, read in one statement so that the pair is consistent. */
  async credentialsWithBaseUrl (): Promise<CredentialWithBaseUrl[]> {
    const rows = await this.db.selectFrom('provider_credentials')
      .innerJoin('providers', 'providers.id', 'provider_credentials.provider_id')
      .selectAll('provider_credentials').select('providers.base_url as provider_base_url')
      .orderBy('provider_credentials.created_at').orderBy('provider_credentials.id').execute()
    return rows.map((row) => ({ ...toCredential(row), providerBaseUrl: row.provider_base_url }))
  }

  async findCredential (providerId: string, id: string): Promise<StoredCredential | undefined> {
    const row = await this.db.selectFrom('provider_credentials').selectAll()
      .where('provider_id', '=', providerId).where('id', '=', id).executeTakeFirst()
    return row && toCredential(row)
  }

  async insertCredential (c: StoredCredential): Promise<StoredCredential> {
    await this.db.insertInto('provider_credentials').values({
      id: c.id,
      provider_id: c.providerId,
      label: c.label,
      secret_ciphertext: c.sealed,
      secret_hint: c.hint,
      weight: c.weight,
      disabled_reason: c.disabledReason,
      cooldown_until: c.cooldownUntil,
      created_at: c.createdAt,
      updated_at: c.updatedAt
    }).execute()
    return c
  }

  async updateCredential (providerId: string, id: string, patch: StoredCredentialPatch, now: string): Promise<StoredCredential | undefined> {
    const values: Partial<ProviderCredentialsTable> = { updated_at: now }
    if (patch.label !== undefined) values.label = patch.label
    if (patch.weight !== undefined) values.weight = patch.weight
    if (patch.disabledReason !== undefined) values.disabled_reason = patch.disabledReason
    if (patch.cooldownUntil !== undefined) values.cooldown_until = patch.cooldownUntil
    if (patch.sealed !== undefined) values.secret_ciphertext = patch.sealed
    if (patch.hint !== undefined) values.secret_hint = patch.hint
    await this.db.updateTable('provider_credentials').set(values).where('provider_id', '=', providerId).where('id', '=', id).execute()
    return await this.findCredential(providerId, id)
  }

  /** Replaces the ciphertext only if it is still `from`: an administrator's new secret saved meanwhile is kept. */
  async resealCredential (providerId: string, id: string, from: string, to: string): Promise<void> {
    await this.db.updateTable('provider_credentials').set({ secret_ciphertext: to })
      .where('provider_id', '=', providerId).where('id', '=', id).where('secret_ciphertext', '=', from).execute()
  }

  async deleteCredential (providerId: string, id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('provider_credentials').where('provider_id', '=', providerId).where('id', '=', id).executeTakeFirst()
    return Number(result.numDeletedRows) > 0
  }

  /** Runs `change` in a transaction, or in the caller's when this repository is already in one (Kysely cannot nest them). */
  private async atomically<T> (change: (db: Kysely<Database>) => Promise<T>): Promise<T> {
    if (this.db.isTransaction) return await change(this.db)
    return await this.db.transaction().execute(change)
  }
}
