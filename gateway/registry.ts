import { adapterFor } from '#providers/adapters.js'
import { BUILTIN_PROVIDERS } from '#catalog/builtin-providers.js'
import { ProviderNotConfiguredError, UnknownModelError } from '#errors.js'
import { MODEL_NAME_MAX_LENGTH } from '#keys/model-glob.js'
import type { ProviderAdapter, ProviderConfig } from '#upstream/types.js'

/** Where provider configurations come from: the environment now, the store (admin-managed) later. */
export interface ProviderSource {
  /** For logs: "env", "store", … */
  readonly name: string
  /** The providers this source currently defines. Called at start and on every reload(). */
  load (): Promise<ProviderConfig[]>
}

/** A model name resolved to the provider that serves it. */
export interface ResolvedModel {
  /** `provider/model`, as the client named it. */
  id: string
  provider: ProviderConfig
  /** Model id sent upstream: everything after the first "/". */
  model: string
  adapter: ProviderAdapter
}

/** A model the gateway offers, as listed by GET /api/v2/models. */
export interface ModelInfo {
  /** `provider/model` */
  id: string
  provider: string
  model: string
  type: 'chat'
}

const MODELS_HINT = 'GET /api/v2/models lists the models this key may use.'

/**
 * Routes `provider/model` names to provider configurations merged from several sources; a later
 * source overrides an earlier one with the same provider id. Lookups are in memory; reload()
 * re-reads every source (call it after an admin changes providers).
 */
export class ProviderRegistry {
  private providers = new Map<string, ProviderConfig>()
  private readonly sources: ProviderSource[]
  /** Ids that exist but may lack configuration, to tell "not configured" from "unknown". */
  private readonly knownIds = new Set(BUILTIN_PROVIDERS.map((p) => p.id))

  /** `onReload`: told the providers after every reload (the built-in price list follows their price-list choices). */
  constructor (sources: ProviderSource[] = [], private readonly onReload: (providers: readonly ProviderConfig[]) => void = () => {}) {
    this.sources = [...sources]
  }

  addSource (source: ProviderSource): void {
    this.sources.push(source)
  }

  async reload (): Promise<void> {
    const next = new Map<string, ProviderConfig>()
    for (const source of this.sources) {
      for (const provider of await source.load()) {
        next.set(provider.id, provider)
        this.knownIds.add(provider.id)
      }
    }
    this.providers = next
    this.onReload([...next.values()])
  }

  /** Configured providers, in source order. */
  list (): ProviderConfig[] {
    return [...this.providers.values()]
  }

  get (id: string): ProviderConfig | undefined {
    return this.providers.get(id)
  }

  /** Throws a 400 HUB_* error with a clear message for malformed, unknown or unconfigured names. */
  resolve (name: string): ResolvedModel {
    if (name.length > MODEL_NAME_MAX_LENGTH) throw new UnknownModelError(`A model name is at most ${MODEL_NAME_MAX_LENGTH} characters; this one has ${name.length}.`)
    const slash = name.indexOf('/')
    if (slash <= 0 || slash === name.length - 1) {
      throw new UnknownModelError(`Model "${name}" must be named "provider/model", e.g. "openai/gpt-4o-mini".`)
    }
    const providerId = name.slice(0, slash)
    const model = name.slice(slash + 1)
    const provider = this.providers.get(providerId)
    if (provider === undefined) {
      if (this.knownIds.has(providerId)) throw new ProviderNotConfiguredError(`Provider "${providerId}" is not configured on this gateway. ${MODELS_HINT}`)
      throw new UnknownModelError(`Unknown provider "${providerId}" in model "${name}". ${MODELS_HINT}`)
    }
    if (!provider.models.includes(model) && !provider.models.includes('*')) {
      throw new UnknownModelError(`Model "${name}" is not offered by this gateway. ${MODELS_HINT}`)
    }
    return { id: name, provider, model, adapter: adapterFor(provider.kind) }
  }

  /** Every chat model listed by a configured provider (wildcards admit names but list nothing; image-only providers list none). */
  models (): ModelInfo[] {
    const out: ModelInfo[] = []
    for (const provider of this.providers.values()) {
      if (adapterFor(provider.kind).chat === undefined) continue
      for (const model of provider.models) {
        if (model !== '*') out.push({ id: `${provider.id}/${model}`, provider: provider.id, model, type: 'chat' })
      }
    }
    return out
  }
}
