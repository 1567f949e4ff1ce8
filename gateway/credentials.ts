import type { FastifyBaseLogger } from 'fastify'
import { SecretBox, credentialBinding } from '#keys/secret-box.js'
import type { CredentialWithBaseUrl, ProviderRepository, StoredCredential } from '#store/providers.js'
import { UpstreamAuthError, UpstreamRateLimitedError, clientMessage } from '#errors.js'
import { retryAfterMs } from './retry.js'
import type { ProviderConfig } from '#upstream/types.js'

/** What an administrator sees of a credential's state. */
export type CredentialHealth =
  | { state: 'ok' }
  | { state: 'cooling_down', until: string }
  | { state: 'disabled', reason: string }

export function credentialHealth (credential: Pick<StoredCredential, 'disabledReason' | 'cooldownUntil'>, now = Date.now()): CredentialHealth {
  if (credential.disabledReason !== null) return { state: 'disabled', reason: credential.disabledReason }
  if (credential.cooldownUntil !== null && Date.parse(credential.cooldownUntil) > now) return { state: 'cooling_down', until: credential.cooldownUntil }
  return { state: 'ok' }
}

export interface CredentialPoolOptions {
  /** Cool-down after a 429 that carried no Retry-After. */
  defaultCooldownMs?: number
  /** Longest cool-down a Retry-After can ask for. */
  maxCooldownMs?: number
  random?: () => number
  now?: () => number
}

/** A credential held in memory, opened. */
interface LiveCredential extends CredentialWithBaseUrl {
  secret: string
}

/**
 * The credentials of store-managed providers, opened in memory. Each upstream attempt at such a provider
 * runs with one of its healthy credentials picked at random in proportion to its weight; the upstream's
 * answer then judges it: 401/403 disables it (the reason is kept for administrators), 429 cools it down
 * for the provider's Retry-After, after which it is picked again by itself. States live in the store, so
 * replicas share them on their next reload.
 */
export class CredentialPool {
  private byProvider = new Map<string, LiveCredential[]>()
  private readonly defaultCooldownMs: number
  private readonly maxCooldownMs: number
  private readonly random: () => number
  private readonly now: () => number

  constructor (
    private readonly repo: ProviderRepository,
    private readonly box: SecretBox,
    private readonly log: FastifyBaseLogger,
    options: CredentialPoolOptions = {}
  ) {
    this.defaultCooldownMs = options.defaultCooldownMs ?? 60_000
    this.maxCooldownMs = options.maxCooldownMs ?? 3_600_000
    this.random = options.random ?? Math.random
    this.now = options.now ?? Date.now
  }

  async reload (): Promise<void> {
    const next = new Map<string, LiveCredential[]>()
    for (const stored of await this.repo.credentialsWithBaseUrl()) {
      const binding = credentialBinding(stored.providerId, stored.id)
      let secret: string
      try {
        secret = this.box.decrypt(stored.sealed, binding)
      } catch {
        // sealed under another SERVER_SECRET, or for another row: unusable, and worth saying (without any secret)
        this.log.warn({ provider: stored.providerId, credential: stored.id }, 'provider credential cannot be decrypted with this server secret for this row; skipped')
        continue
      }
      if (SecretBox.isLegacy(stored.sealed)) await this.reseal(stored, secret, binding)
      const list = next.get(stored.providerId) ?? []
      list.push({ ...stored, secret })
      next.set(stored.providerId, list)
    }
    this.byProvider = next
  }

  /** Encrypts a credential written before associated data existed again, bound to its row; it stays usable if that fails. */
  private async reseal (stored: StoredCredential, secret: string, binding: string): Promise<void> {
    try {
      await this.repo.resealCredential(stored.providerId, stored.id, stored.sealed, this.box.encrypt(secret, binding))
      this.log.info({ provider: stored.providerId, credential: stored.id }, 'provider credential re-encrypted bound to its row')
    } catch (err) {
      this.log.warn({ err, provider: stored.providerId, credential: stored.id }, 'could not re-encrypt a provider credential; it is used as it is')
    }
  }

  /**
   * Runs `attempt` with `provider` carrying a picked credential, and records how the upstream answered.
   * Providers without stored credentials (environment ones, keyless upstreams) run unchanged.
   */
  withCredential<T> (provider: ProviderConfig, attempt: (provider: ProviderConfig) => Promise<T>): Promise<T> {
    const credentials = this.enteredFor(provider.id, provider.baseUrl)
    // env-configured providers (and store ones without credentials) go straight through, in no extra async frame
    if (provider.source !== 'store' || credentials === undefined || credentials.length === 0) return attempt(provider)
    return this.withPicked(provider, credentials, attempt)
  }

  private async withPicked<T> (provider: ProviderConfig, credentials: LiveCredential[], attempt: (provider: ProviderConfig) => Promise<T>): Promise<T> {
    const credential = this.pick(provider.id, credentials)
    try {
      return await attempt({ ...provider, apiKey: credential.secret })
    } catch (err) {
      await this.judge(credential, err)
      throw err
    }
  }

  /** A healthy credential of `providerId` (at `baseUrl`) for a one-off call (connection test), without judging it afterwards. */
  secretFor (providerId: string, baseUrl: string): { id: string, secret: string } | undefined {
    const healthy = (this.enteredFor(providerId, baseUrl) ?? []).filter((c) => this.isHealthy(c))
    const picked = healthy.length > 0 ? this.weighted(healthy) : undefined
    return picked && { id: picked.id, secret: picked.secret }
  }

  /**
   * The provider's credentials, unless it has moved to another origin since they were read: the store deletes them
   * then, but a replica may see the new URL before its next credential reload, and must not send the old ones there.
   */
  private enteredFor (providerId: string, baseUrl: string): LiveCredential[] | undefined {
    const credentials = this.byProvider.get(providerId)
    const enteredAt = credentials?.[0]?.providerBaseUrl
    return enteredAt === undefined || enteredAt === baseUrl || sameOrigin(enteredAt, baseUrl) ? credentials : undefined
  }

  private isHealthy (c: LiveCredential): boolean {
    return credentialHealth(c, this.now()).state === 'ok'
  }

  private pick (providerId: string, credentials: LiveCredential[]): LiveCredential {
    const healthy = credentials.filter((c) => this.isHealthy(c))
    if (healthy.length > 0) return this.weighted(healthy)
    const cooling = credentials.filter((c) => c.disabledReason === null).map((c) => Date.parse(c.cooldownUntil ?? ''))
    if (cooling.length === 0) {
      throw new UpstreamAuthError(`Provider ${providerId} has no usable credential: the provider refused every one (administrators see why under /api/admin/providers/${providerId}/credentials).`)
    }
    const seconds = Math.max(1, Math.ceil((Math.min(...cooling) - this.now()) / 1000))
    throw Object.assign(new UpstreamRateLimitedError(`Every credential of provider ${providerId} is rate-limited; retry in ${seconds} s.`), { retryAfter: seconds })
  }

  /** Weighted random choice: a credential of weight 3 gets three times the calls of one of weight 1. */
  private weighted (healthy: LiveCredential[]): LiveCredential {
    const total = healthy.reduce((sum, c) => sum + c.weight, 0)
    let point = this.random() * total
    for (const c of healthy) {
      point -= c.weight
      if (point < 0) return c
    }
    return healthy[healthy.length - 1] as LiveCredential
  }

  /** Marks the credential from the upstream's status; in memory at once, then in the store for other replicas. */
  private async judge (credential: LiveCredential, err: unknown): Promise<void> {
    const status = (err as { upstreamStatus?: unknown }).upstreamStatus
    let patch: { disabledReason?: string, cooldownUntil?: string }
    if (status === 401 || status === 403) {
      patch = { disabledReason: `The provider answered ${status} at ${new Date(this.now()).toISOString()}: ${clientMessage(err)}`.slice(0, 500) }
    } else if (status === 429) {
      const wait = Math.min(retryAfterMs(err, this.now()) ?? this.defaultCooldownMs, this.maxCooldownMs)
      patch = { cooldownUntil: new Date(this.now() + wait).toISOString() }
    } else {
      return
    }
    Object.assign(credential, patch)
    this.log.warn({ provider: credential.providerId, credential: credential.id, status, ...patch }, 'provider credential taken out of rotation')
    try {
      await this.repo.updateCredential(credential.providerId, credential.id, patch, new Date(this.now()).toISOString())
    } catch (err) {
      this.log.error({ err, credential: credential.id }, 'could not save a provider credential state')
    }
  }
}

function sameOrigin (a: string, b: string): boolean {
  try {
    return new URL(a).origin === new URL(b).origin
  } catch {
    return false
  }
}
