import { mediaModelsOf } from '#gateway/media-models.js'
import type { ProviderRegistry } from '#gateway/registry.js'

/** The label value every model the gateway does not know shares. */
export const OTHER_MODEL = 'other'

/**
 * The `model` label of a metric: the model's own name when the operator named it (catalog, a provider's configured
 * list, built-in media models), else "other". A provider offering "*" admits any name a client types; labelled as
 * typed, each would open a Prometheus series of its own that lives until the process does.
 */
export function modelLabeller (catalog: { get: (id: string) => unknown }, registry: ProviderRegistry): (model: string) => string {
  return (model) => {
    if (catalog.get(model) !== undefined) return model
    const slash = model.indexOf('/')
    const provider = slash > 0 ? registry.get(model.slice(0, slash)) : undefined
    if (provider === undefined) return OTHER_MODEL
    const name = model.slice(slash + 1)
    const listed = (name !== '*' && provider.models.includes(name)) ||
      mediaModelsOf(provider.id, 'embedding').includes(name) || mediaModelsOf(provider.id, 'image').includes(name)
    return listed ? model : OTHER_MODEL
  }
}
