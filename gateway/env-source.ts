import type { Config } from '#config.js'
import { BUILTIN_PROVIDERS } from '#catalog/builtin-providers.js'
import type { ProviderSource } from './registry.js'
import type { ProviderConfig } from '#upstream/types.js'

/**
 * Providers configured through the environment: each built-in provider whose credential is set
 * (Ollama: whose base URL is set; Bedrock: whose AWS key pair is), with its base URL and model list overridable.
 */
export function envProviderSource (config: Config): ProviderSource {
  const env = config as unknown as Record<string, string | undefined>
  return {
    name: 'env',
    async load () {
      const providers: ProviderConfig[] = []
      for (const builtin of BUILTIN_PROVIDERS) {
        const built = builtin.fromEnv?.(env)
        if (builtin.fromEnv !== undefined && built === undefined) continue
        const apiKey = built?.credential ?? builtin.env.apiKey.map((name) => env[name]).find((v) => v !== undefined)
        const baseUrl = env[builtin.env.baseUrl] ?? built?.defaultBaseUrl ?? builtin.defaultBaseUrl
        const keyless = builtin.env.apiKey.length === 0
        if (baseUrl === undefined || (!keyless && apiKey === undefined)) continue
        providers.push({
          id: builtin.id,
          kind: builtin.kind,
          displayName: builtin.displayName,
          baseUrl,
          apiKey,
          models: parseModelList(env[builtin.env.models]) ?? builtin.defaultModels,
          source: 'env'
        })
      }
      return providers
    }
  }
}

export function parseModelList (value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined
  return [...new Set(value.split(',').map((m) => m.trim()).filter((m) => m !== ''))]
}
