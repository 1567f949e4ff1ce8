import { ModelNotFoundError } from '#errors.js'
import { MODEL_NAME_MAX_LENGTH } from '#keys/model-glob.js'
import { mediaModelsOf, type MediaKind } from './media-models.js'
import type { ProviderRegistry } from './registry.js'

export type CallKind = 'chat' | MediaKind

/** Looks up a catalog alias: the `provider/model` it names, or undefined. */
export type AliasLookup = (alias: string) => string | undefined

/**
 * Turns the model name a client sent into the `provider/model` the gateway calls, before the key's model patterns
 * are checked and anything is metered or priced, so both apply to the model actually called:
 * 1. `provider/model` stays as it is (the registry reports unknown providers and models);
 * 2. a bare name that is a catalog alias names its model;
 * 3. otherwise the first configured provider, in registry order (environment providers in the order of the
 *    built-in list: openai, anthropic, gemini, deepseek, xai, …; then admin-added ones), whose model list holds
 *    the name (for embeddings and images, also its built-in models of that kind). A "*" list never claims a
 *    bare name: such a provider's models are named `provider/model`;
 * 4. anything else is a 404 that says how to name the model.
 */
export class ModelNames {
  constructor (private readonly registry: ProviderRegistry, private readonly aliasOf: AliasLookup) {}

  qualify (name: string, kind: CallKind): string {
    if (name.includes('/') || name.length > MODEL_NAME_MAX_LENGTH) return name
    const aliased = this.aliasOf(name)
    if (aliased !== undefined) return aliased
    const provider = this.registry.list().find((p) => p.models.includes(name) || (kind !== 'chat' && mediaModelsOf(p.id, kind).includes(name)))
    if (provider !== undefined) return `${provider.id}/${name}`
    throw new ModelNotFoundError(this.notFound(name))
  }

  private notFound (name: string): string {
    const open = this.registry.list().filter((p) => p.models.includes('*')).map((p) => `"${p.id}/${name}"`)
    return `The model "${name}" does not exist on this gateway. Name it "provider/model" (e.g. "openai/gpt-4o-mini"), ` +
      'or use a catalog alias; GET /v1/models lists the models this key may use' +
      (open.length > 0 ? `; providers that take any model name: ${open.join(', ')}.` : '.')
  }
}
