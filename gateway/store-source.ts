import { randomUUID } from 'node:crypto'
import type { FastifyBaseLogger } from 'fastify'
import { BadRequestError, ConflictError, NotFoundError } from '#errors.js'
import { credentialBinding, maskSecret, type SecretBox } from '#keys/secret-box.js'
import type {
  CreateCredentialBodyType, CreateProviderBodyType, CredentialViewType, ProviderViewType, UpdateCredentialBodyType, UpdateProviderBodyType
} from '#schemas/providers.js'
import type { ProviderRepository, StoredCredential, StoredCredentialPatch, StoredProvider } from '#store/providers.js'
import type { AddressGuard } from '#upstream/address-guard.js'
import { BUILTIN_PROVIDERS } from '#catalog/builtin-providers.js'
import { AUTO_PRICE_PROVIDER, isPackageProvider, type PricedProvider } from '#catalog/price-providers.js'
import { testConnection, type ConnectionTestResult } from './connection-test.js'
import { credentialHealth, type CredentialPool } from './credentials.js'
import type { UpstreamHttp } from '#upstream/http.js'
import type { ProviderRegistry, ProviderSource } from './registry.js'
import type { AdapterKind, ProviderConfig } from '#upstream/types.js'
import { adapterFor } from '#providers/adapters.js'

function toConfig (p: StoredProvider): ProviderConfig {
  return { id: p.id, kind: p.kind, displayName: p.displayName, baseUrl: p.baseUrl, models: p.models, source: 'store', priceProvider: p.priceProvider }
}

/** Which price list provider prices a provider's models (null: none); catalog/price-providers.ts priceProviderFor, or none without built-in prices. */
export type BuiltinPricesOf = (provider: PricedProvider) => string | null

/** A price list choice names one of the package's providers, 'auto' or null; anything else is refused (400). */
function checkPriceProvider (choice: string | null | undefined): void {
  if (typeof choice === 'string' && choice !== AUTO_PRICE_PROVIDER && !isPackageProvider(choice)) {
    throw new BadRequestError(`priceProvider "${choice}" is not a provider of the built-in price list; GET /api/admin/price-list lists them ("auto" matches the base URL, null sets none).`)
  }
}

/** Enabled admin-managed providers, for the registry (their credentials come from the CredentialPool). */
export function storeProviderSource (repo: ProviderRepository): ProviderSource {
  return {
    name: 'store',
    async load () { return (await repo.list()).filter((p) => p.enabled).map(toConfig) }
  }
}

function credentialView (c: StoredCredential): CredentialViewType {
  return {
    id: c.id,
    providerId: c.providerId,
    label: c.label,
    secretHint: c.hint,
    weight: c.weight,
    health: credentialHealth(c),
    createdAt: c.createdAt,
    updatedAt: c.updatedAt
  }
}

/**
 * Admin management of providers and their credentials: writes go to the store, then the registry and the
 * credential pool reload so calls see them at once; a timer reloads both so other replicas' changes arrive too.
 * A write given `repo`, a transaction's repository (an audited change), goes there only: the caller calls reload()
 * once it has committed, so calls never see a change that may yet roll back.
 * Environment providers are listed read-only. A base URL must pass the AddressGuard (checkBaseUrl) before it is
 * saved; moving a provider to another origin deletes its credentials (they were given for the old one).
 */
export class StoreProviders {
  private readonly timer: NodeJS.Timeout

  constructor (
    private readonly repo: ProviderRepository,
    private readonly registry: ProviderRegistry,
    private readonly pool: CredentialPool,
    private readonly box: SecretBox,
    private readonly log: FastifyBaseLogger,
    refreshMs: number,
    private readonly testTimeoutMs: number,
    private readonly guard: AddressGuard,
    private readonly http: Pick<UpstreamHttp, 'dispatcherFor'>,
    private readonly builtinPricesOf: BuiltinPricesOf = () => null
  ) {
    this.timer = setInterval(() => {
      this.reload().catch((err: unknown) => { this.log.warn({ err }, 'provider refresh failed; keeping the last copy') })
    }, refreshMs)
    this.timer.unref()
  }

  async reload (): Promise<void> {
    await this.pool.reload()
    await this.registry.reload()
  }

  close (): void {
    clearInterval(this.timer)
  }

  async list (): Promise<ProviderViewType[]> {
    const stored = await this.repo.list()
    const counts = new Map<string, number>()
    for (const c of await this.repo.credentials()) counts.set(c.providerId, (counts.get(c.providerId) ?? 0) + 1)
    const storeIds = new Set(stored.map((p) => p.id))
    const env = this.registry.list().filter((p) => p.source === 'env' && !storeIds.has(p.id)).map((p) => this.envView(p))
    return [...env, ...stored.map((p) => this.storeView(p, counts.get(p.id) ?? 0))].sort((a, b) => a.id.localeCompare(b.id))
  }

  async get (id: string): Promise<ProviderViewType> {
    const stored = await this.repo.find(id)
    if (stored !== undefined) return this.storeView(stored, (await this.repo.credentials(id)).length)
    return this.envView(this.envProvider(id))
  }

  /** Save time: refuses a base URL the gateway may not reach. Call it before a transaction: it may resolve DNS. */
  async checkBaseUrl (baseUrl: string | undefined): Promise<void> {
    if (baseUrl !== undefined) await this.guard.checkBaseUrl(baseUrl)
  }

  /** `body.baseUrl` has passed checkBaseUrl. */
  async create (body: CreateProviderBodyType, repo = this.repo): Promise<ProviderViewType> {
    if (this.registry.get(body.id)?.source === 'env') throw this.readOnly(body.id)
    checkPriceProvider(body.priceProvider)
    const now = new Date().toISOString()
    const builtin = BUILTIN_PROVIDERS.find((p) => p.id === body.id)
    const created = await repo.insert({
      id: body.id,
      kind: body.kind,
      displayName: body.displayName ?? builtin?.displayName ?? body.id,
      baseUrl: body.baseUrl,
      enabled: body.enabled ?? true,
      models: body.models ?? ['*'],
      priceProvider: body.priceProvider === undefined ? AUTO_PRICE_PROVIDER : body.priceProvider,
      createdAt: now,
      updatedAt: now
    })
    if (created === undefined) throw new ConflictError(`Provider ${body.id} already exists.`)
    await this.reloadIfOwn(repo)
    return this.storeView(created, 0)
  }

  /** `patch.baseUrl` has passed checkBaseUrl. */
  async update (id: string, patch: UpdateProviderBodyType, repo = this.repo): Promise<ProviderViewType> {
    const stored = await this.storeProvider(id, repo)
    checkPriceProvider(patch.priceProvider)
    const moved = patch.baseUrl !== undefined && new URL(patch.baseUrl).origin !== new URL(stored.baseUrl).origin
    const updated = await repo.update(id, patch, new Date().toISOString(), moved) as StoredProvider
    if (moved) this.log.info({ provider: id }, 'provider moved to another origin; its credentials were deleted')
    await this.reloadIfOwn(repo)
    return this.storeView(updated, (await repo.credentials(id)).length)
  }

  async delete (id: string, repo = this.repo): Promise<void> {
    await this.storeProvider(id, repo)
    await repo.delete(id)
    await this.reloadIfOwn(repo)
  }

  /** Lists the provider's models with its credential; store providers use a healthy stored credential. */
  async test (id: string): Promise<ConnectionTestResult & { credentialId?: string }> {
    const stored = await this.repo.find(id)
    if (stored === undefined) {
      const provider = this.envProvider(id)
      return await testConnection(provider, this.testTimeoutMs, this.http.dispatcherFor(provider))
    }
    if (!stored.enabled) throw new ConflictError(`Provider ${id} is disabled; enable it before testing its connection.`)
    const credential = this.pool.secretFor(id, stored.baseUrl)
    const provider = { ...toConfig(stored), apiKey: credential?.secret }
    const result = await testConnection(provider, this.testTimeoutMs, this.http.dispatcherFor(provider))
    return credential === undefined ? result : { ...result, credentialId: credential.id }
  }

  async credentials (providerId: string): Promise<CredentialViewType[]> {
    await this.storeProvider(providerId)
    return (await this.repo.credentials(providerId)).map(credentialView)
  }

  async addCredential (providerId: string, body: CreateCredentialBodyType, repo = this.repo): Promise<CredentialViewType> {
    const hint = secretHint((await this.storeProvider(providerId, repo)).kind, body.secret)
    const now = new Date().toISOString()
    const id = randomUUID()
    const created = await repo.insertCredential({
      id,
      providerId,
      label: body.label ?? 'default',
      sealed: this.box.encrypt(body.secret, credentialBinding(providerId, id)),
      hint,
      weight: body.weight ?? 1,
      disabledReason: null,
      cooldownUntil: null,
      createdAt: now,
      updatedAt: now
    })
    await this.reloadIfOwn(repo)
    return credentialView(created)
  }

  async updateCredential (providerId: string, id: string, body: UpdateCredentialBodyType, repo = this.repo): Promise<CredentialViewType> {
    const { kind } = await this.storeProvider(providerId, repo)
    const patch: StoredCredentialPatch = { label: body.label, weight: body.weight }
    if (body.secret !== undefined) Object.assign(patch, { hint: secretHint(kind, body.secret), sealed: this.box.encrypt(body.secret, credentialBinding(providerId, id)) })
    if (body.enabled === true) Object.assign(patch, { disabledReason: null, cooldownUntil: null })
    if (body.enabled === false) patch.disabledReason = 'Disabled by an administrator.'
    const updated = await repo.updateCredential(providerId, id, patch, new Date().toISOString())
    if (updated === undefined) throw this.noCredential(providerId, id)
    await this.reloadIfOwn(repo)
    return credentialView(updated)
  }

  async deleteCredential (providerId: string, id: string, repo = this.repo): Promise<void> {
    await this.storeProvider(providerId, repo)
    if (!await repo.deleteCredential(providerId, id)) throw this.noCredential(providerId, id)
    await this.reloadIfOwn(repo)
  }

  /** After a write through `repo`: at once when that is the store's own; a transaction's caller reloads after its commit. */
  private async reloadIfOwn (repo: ProviderRepository): Promise<void> {
    if (repo === this.repo) await this.reload()
  }

  /** The stored provider `id`; an environment one is read-only (409), anything else unknown (404). */
  private async storeProvider (id: string, repo = this.repo): Promise<StoredProvider> {
    const stored = await repo.find(id)
    if (stored !== undefined) return stored
    this.envProvider(id)
    throw this.readOnly(id)
  }

  private envProvider (id: string): ProviderConfig {
    const provider = this.registry.get(id)
    if (provider?.source !== 'env') throw new NotFoundError(`Provider ${id} does not exist.`)
    return provider
  }

  private readOnly (id: string): Error {
    return new ConflictError(`Provider ${id} is configured through the environment and is read-only here; change its environment variables (and restart) instead.`)
  }

  private envView (p: ProviderConfig): ProviderViewType {
    return {
      id: p.id, kind: p.kind, displayName: p.displayName, baseUrl: p.baseUrl, enabled: true, models: [...p.models], source: 'env', readOnly: true, credentials: 0,
      priceProvider: AUTO_PRICE_PROVIDER, builtinPrices: this.builtinPricesOf(p)
    }
  }

  private storeView (p: StoredProvider, credentials: number): ProviderViewType {
    return { ...p, source: 'store', readOnly: false, credentials, builtinPrices: this.builtinPricesOf(p) }
  }

  private noCredential (providerId: string, id: string): Error {
    return new NotFoundError(`Provider ${providerId} has no credential ${id}.`)
  }
}

/** The hint shown for a secret entered for a provider of `kind`, once the kind's adapter found it well-formed (400 if not). */
function secretHint (kind: AdapterKind, secret: string): string {
  const hint = adapterFor(kind).credentialHint
  return hint === undefined ? maskSecret(secret) : hint(secret)
}
