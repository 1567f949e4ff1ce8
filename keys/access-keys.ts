import { randomUUID } from 'node:crypto'
import { LRUCache } from 'lru-cache'
import type { FastifyBaseLogger } from 'fastify'
import type { Store } from '#store/index.js'
import type { AccessKey, AccessKeyPatch, AccessKeyQuery, AccessKeyRepository, NewAccessKey } from '#store/access-keys.js'
import { MODEL_PATTERN, MODEL_PATTERN_MAX_LENGTH } from '#schemas/access-keys.js'
import { displayPrefix, generateSecret, hashSecret, modelMatcher } from './key-secrets.js'
import { CREDIT_PERIODS, LIMIT_RANGES, SCOPES, limitsOf, type KeyLimits, type Principal } from '#schemas/principal.js'
import { BadRequestError, StoreUnavailableError } from '#errors.js'

export const DEFAULT_SCOPES = ['chat', 'embeddings', 'images']
export const DEFAULT_MODELS = ['*']
export const BOOTSTRAP_KEY_ID = 'bootstrap-admin'

export interface NewKeyInput extends Partial<KeyLimits> {
  name: string
  scopes?: string[] | undefined
  models?: string[] | undefined
  expiresAt?: string | null | undefined
  /** Who issues it (the audit log's actor) and, for a single sign-on admin, under which session. */
  createdBy?: string | null | undefined
  createdBySession?: string | null | undefined
}

export interface IssuedKey {
  key: AccessKey
  /** The secret: returned once, never stored. */
  secret: string
}

interface CachedKey {
  key: AccessKey
  principal: Principal
  /** Epoch ms after which this secret stops working: the key's expiry, or the end of the rotation grace window when it is the previous secret. */
  usableUntil: number
}

export interface AccessKeyServiceOptions {
  /** Told whether each presented secret was answered from the cache (metrics count the hit ratio). */
  onLookup?: (result: 'hit' | 'miss') => void
  store: Store
  serverSecret: Buffer
  cacheTtlMs: number
  cacheSize: number
  lastUsedFlushMs: number
  log: Pick<FastifyBaseLogger, 'warn' | 'error'>
}

/**
 * Access keys: issuing, rotating and revoking them, and resolving a presented secret to a Principal
 * on the hot path through an LRU cache that every write through this service keeps coherent.
 * Writes take the repository to use, so an admin change can run in the transaction of its audit line.
 */
export class AccessKeyService {
  private readonly cache: LRUCache<string, CachedKey | false>
  /** Key id → epoch ms of its latest use, written in batches. */
  private readonly pendingLastUsed = new Map<string, number>()
  /**
   * Secrets of recently authenticated keys → their HMAC, so a cached key costs no HMAC per call. Only secrets that
   * matched a valid key get here (random guesses cannot fill it), and it only spares the hash: the key itself is
   * still looked up in the cache, so revocation and expiry apply as before.
   */
  private readonly knownHashes = new Map<string, string>()
  private readonly flushTimer: NodeJS.Timeout
  /** The store's key-change version the cache was filled under. */
  private cachedVersion: number
  /** Moves on every invalidation, so a lookup that raced with a change is not cached. */
  private generation = 0
  constructor (private readonly options: AccessKeyServiceOptions) {
    this.cache = new LRUCache({ max: options.cacheSize, ttl: Math.max(options.cacheTtlMs, 1) })
    this.flushTimer = setInterval(() => { void this.flushLastUsed() }, options.lastUsedFlushMs)
    this.flushTimer.unref()
    this.cachedVersion = options.store.keyChangeVersion()
  }

  async create (input: NewKeyInput, keys = this.options.store.accessKeys): Promise<IssuedKey> {
    validateScopes(input.scopes)
    validateModels(input.models)
    validateLimits(input)
    const expiresAt = canonicalTime(input.expiresAt)
    if (expiresAt !== null && expiresAt <= new Date().toISOString()) throw new BadRequestError('expiresAt must be in the future')
    const secret = generateSecret()
    const now = new Date().toISOString()
    const key = await keys.insert({
      id: randomUUID(),
      name: input.name,
      prefix: displayPrefix(secret),
      hash: this.hash(secret),
      scopes: unique(input.scopes ?? DEFAULT_SCOPES),
      models: unique(input.models ?? DEFAULT_MODELS),
      expiresAt,
      createdAt: now,
      creditLimit: input.creditLimit ?? null,
      creditPeriod: input.creditPeriod ?? 'total',
      perAppCreditLimit: input.perAppCreditLimit ?? null,
      rpm: input.rpm ?? null,
      tpm: input.tpm ?? null,
      maxConcurrent: input.maxConcurrent ?? null,
      createdBy: input.createdBy ?? null,
      createdBySession: input.createdBySession ?? null
    })
    return { key, secret }
  }

  async list (query: AccessKeyQuery): Promise<{ items: AccessKey[], total: number }> {
    return await this.options.store.accessKeys.list(query)
  }

  async get (id: string): Promise<AccessKey | undefined> {
    return await this.options.store.accessKeys.findById(id)
  }

  async update (id: string, patch: AccessKeyPatch, keys = this.options.store.accessKeys): Promise<AccessKey | undefined> {
    validateScopes(patch.scopes)
    validateModels(patch.models)
    validateLimits(patch)
    const normalized = { ...patch }
    if (patch.expiresAt !== undefined) normalized.expiresAt = canonicalTime(patch.expiresAt)
    if (patch.scopes) normalized.scopes = unique(patch.scopes)
    if (patch.models) normalized.models = unique(patch.models)
    const key = await keys.update(id, normalized, new Date().toISOString())
    this.invalidate(id)
    return key
  }

  async revoke (id: string, keys = this.options.store.accessKeys): Promise<AccessKey | undefined> {
    const key = await keys.revoke(id, new Date().toISOString())
    this.invalidate(id)
    return key
  }

  /** New secret, same id. The old secret stops working at once, or after `graceSeconds`. */
  async rotate (id: string, graceSeconds = 0, keys: AccessKeyRepository = this.options.store.accessKeys): Promise<IssuedKey | undefined> {
    const existing = await keys.findById(id)
    if (existing === undefined || existing.revokedAt !== null) return undefined
    const secret = generateSecret()
    const now = Date.now()
    const key = await keys.rotate(id, {
      hash: this.hash(secret),
      prefix: displayPrefix(secret),
      previousValidUntil: graceSeconds > 0 ? new Date(now + graceSeconds * 1000).toISOString() : null
    }, new Date(now).toISOString())
    this.invalidate(id)
    return key && { key, secret }
  }

  /**
   * Resolves a presented secret to its principal, or undefined when it is unknown, revoked,
   * expired or a rotated-away secret. Throws StoreUnavailableError when the store cannot answer.
   */
  async authenticate (secret: string): Promise<Principal | undefined> {
    this.dropCacheIfChangedElsewhere()
    const hash = this.hash(secret)
    let cached = this.cache.get(hash)
    this.options.onLookup?.(cached === undefined ? 'miss' : 'hit')
    if (cached === undefined) {
      const generation = this.generation
      cached = await this.load(hash)
      // a change landed while loading: the answer may predate it, so it serves this request only
      this.dropCacheIfChangedElsewhere()
      if (generation === this.generation) this.cache.set(hash, cached)
    }
    return cached === false ? undefined : this.usableNow(cached)
  }

  /**
   * The hot path's shortcut: the principal of a valid key the cache already holds, without a promise.
   * Undefined means the cache cannot vouch for it (not cached, unknown, revoked, expired): ask authenticate().
   */
  authenticateCached (secret: string): Principal | undefined {
    this.dropCacheIfChangedElsewhere()
    const hash = this.knownHashes.get(secret) ?? this.hash(secret)
    const cached = this.cache.get(hash)
    if (cached === undefined || cached === false) return undefined
    const principal = this.usableNow(cached)
    if (principal === undefined) return undefined
    // counted only when it answers, so a fall-through to authenticate() is counted once, there
    this.options.onLookup?.('hit')
    if (!this.knownHashes.has(secret)) {
      if (this.knownHashes.size >= this.options.cacheSize) this.knownHashes.clear()
      this.knownHashes.set(secret, hash)
    }
    return principal
  }

  private usableNow ({ key, principal, usableUntil }: CachedKey): Principal | undefined {
    const now = Date.now()
    if (key.revokedAt !== null || usableUntil <= now) return undefined
    this.pendingLastUsed.set(key.id, now)
    return principal
  }

  /** Another process (the CLI, a replica) may have revoked or changed keys: forget every lookup. */
  private dropCacheIfChangedElsewhere (): void {
    const version = this.options.store.keyChangeVersion()
    if (version === this.cachedVersion) return
    this.cache.clear()
    this.cachedVersion = version
    this.generation++
  }

  /** Drops every cached lookup of key `id` (its current and previous secrets). */
  invalidate (id: string): void {
    this.generation++
    for (const [hash, entry] of this.cache.entries()) {
      if (entry !== false && entry.key.id === id) this.cache.delete(hash)
    }
  }

  /** Writes batched last-used times; on failure they are kept (newest wins) for the next flush. */
  async flushLastUsed (): Promise<void> {
    if (this.pendingLastUsed.size === 0) return
    const batch = new Map(this.pendingLastUsed)
    this.pendingLastUsed.clear()
    try {
      await this.options.store.accessKeys.touch(new Map([...batch].map(([id, at]) => [id, new Date(at).toISOString()])))
    } catch (err) {
      for (const [id, at] of batch) {
        const newer = this.pendingLastUsed.get(id)
        if (newer === undefined || newer < at) this.pendingLastUsed.set(id, at)
      }
      this.options.log.warn({ err }, 'could not record access key last-used times; will retry')
    }
  }

  async close (): Promise<void> {
    clearInterval(this.flushTimer)
    await this.flushLastUsed()
  }

  /**
   * Makes sure an administrator can get in. With ADMIN_KEY, that secret is the bootstrap admin key.
   * Otherwise, when no usable admin key exists, one is created and its secret returned (to print once).
   */
  async bootstrap (adminKey: string | undefined): Promise<string | undefined> {
    const repo = this.options.store.accessKeys
    const now = new Date().toISOString()
    const bootstrapKey = (secret: string, name: string): NewAccessKey => ({
      id: BOOTSTRAP_KEY_ID, name, prefix: displayPrefix(secret), hash: this.hash(secret), scopes: [...SCOPES], models: ['*'], expiresAt: null, createdAt: now
    })
    try {
      if (adminKey !== undefined) {
        await repo.upsertHash(bootstrapKey(adminKey, 'Bootstrap admin (ADMIN_KEY)'))
        return undefined
      }
      if (await repo.hasActiveAdmin(now)) return undefined
      const secret = generateSecret()
      // a fixed id, so of replicas starting together exactly one creates (and prints) it
      return await repo.claim(bootstrapKey(secret, 'Bootstrap admin'), now) ? secret : undefined
    } finally {
      this.invalidate(BOOTSTRAP_KEY_ID)
    }
  }

  private hash (secret: string): string {
    return hashSecret(this.options.serverSecret, secret)
  }

  private async load (hash: string): Promise<CachedKey | false> {
    let found
    try {
      found = await this.options.store.accessKeys.findByHash(hash, new Date().toISOString())
    } catch (err) {
      this.options.log.error({ err }, 'store unavailable while authenticating')
      throw new StoreUnavailableError()
    }
    if (found === undefined) return false
    const { key, secretValidUntil } = found
    return {
      key,
      usableUntil: Math.min(epochMs(key.expiresAt), epochMs(secretValidUntil)),
      principal: {
        kind: 'access-key',
        id: key.id,
        name: key.name,
        scopes: new Set(key.scopes),
        allowsModel: modelMatcher(key.models),
        limits: limitsOf(key)
      }
    }
  }
}

export type KeyStatus = 'active' | 'expired' | 'revoked'

export function keyStatus (key: AccessKey, now = new Date().toISOString()): KeyStatus {
  if (key.revokedAt !== null) return 'revoked'
  return key.expiresAt !== null && key.expiresAt <= now ? 'expired' : 'active'
}

function epochMs (time: string | null): number {
  return time === null ? Number.POSITIVE_INFINITY : Date.parse(time)
}

/** Times are stored as canonical UTC ISO text, so comparing text in the store compares time. */
function canonicalTime (value: string | null | undefined): string | null {
  if (value == null) return null
  const ms = Date.parse(value)
  if (Number.isNaN(ms)) throw new BadRequestError(`expiresAt "${value}" is not a date-time`)
  return new Date(ms).toISOString()
}

function unique (values: string[]): string[] {
  return [...new Set(values)]
}

// the HTTP schema already checks scopes and models; these guard the CLI and other callers
function validateScopes (scopes: string[] | undefined): void {
  const bad = scopes?.find((s) => !(SCOPES as readonly string[]).includes(s))
  if (bad !== undefined) throw new BadRequestError(`unknown scope "${bad}"; allowed: ${SCOPES.join(', ')}`)
  if (scopes?.length === 0) throw new BadRequestError('a key needs at least one scope')
}

const MODEL = new RegExp(MODEL_PATTERN)

/** The admin API's schema checks these too; the CLI reaches the service directly. */
function validateLimits (limits: Partial<KeyLimits>): void {
  for (const name of ['creditLimit', 'perAppCreditLimit', 'rpm', 'tpm', 'maxConcurrent'] as const) {
    const value = limits[name]
    const { min, max, integer } = LIMIT_RANGES[name]
    if (value === null || value === undefined) continue
    if (!Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
      throw new BadRequestError(`${name} must be ${integer ? 'a whole number' : 'a number'} from ${min} to ${max}, or null for no limit`)
    }
  }
  const period = limits.creditPeriod
  if (period !== undefined && !(CREDIT_PERIODS as readonly string[]).includes(period)) {
    throw new BadRequestError(`creditPeriod must be one of: ${CREDIT_PERIODS.join(', ')}`)
  }
}

function validateModels (models: string[] | undefined): void {
  const long = models?.find((m) => m.length > MODEL_PATTERN_MAX_LENGTH)
  if (long !== undefined) throw new BadRequestError(`a model pattern is at most ${MODEL_PATTERN_MAX_LENGTH} characters; one has ${long.length}`)
  const bad = models?.find((m) => !MODEL.test(m))
  if (bad !== undefined) throw new BadRequestError(`"${bad}" is not a model pattern such as *, openai/* or openai/gpt-4o`)
  if (models?.length === 0) throw new BadRequestError('a key needs at least one model pattern')
}
