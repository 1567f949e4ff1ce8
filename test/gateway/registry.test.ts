import { test } from 'tap'
import { loadConfig } from '#config.js'
import { envProviderSource } from '#gateway/env-source.js'
import { ProviderRegistry, type ProviderSource } from '#gateway/registry.js'

async function registryFrom (env: Record<string, string>, ...extra: ProviderSource[]): Promise<ProviderRegistry> {
  const registry = new ProviderRegistry([envProviderSource(loadConfig({ DATA_DIR: '/tmp', ...env })), ...extra])
  await registry.reload()
  return registry
}

test('the environment enables a provider by its key, with the conventional defaults', async (t) => {
  const registry = await registryFrom({ DEEPSEEK_API_KEY: 'ds-key-123456', XAI_API_KEY: 'xai-key-123456', XAI_BASE_URL: 'https://proxy.internal/xai/v1' })
  t.same(registry.list().map((p) => [p.id, p.kind, p.baseUrl]), [
    ['deepseek', 'openai-compatible', 'https://api.deepseek.com'],
    ['xai', 'openai-compatible', 'https://proxy.internal/xai/v1']
  ])
  t.equal(registry.resolve('deepseek/deepseek-chat').model, 'deepseek-chat')
  t.equal(registry.resolve('deepseek/deepseek-chat').adapter.kind, 'openai-compatible')
})

test('Ollama needs no key: OLLAMA_BASE_URL enables it and any model name routes', async (t) => {
  t.equal((await registryFrom({})).get('ollama'), undefined)
  const registry = await registryFrom({ OLLAMA_BASE_URL: 'http://127.0.0.1:11434/v1' })
  const resolved = registry.resolve('ollama/llama3.2:3b')
  t.equal(resolved.model, 'llama3.2:3b')
  t.equal(resolved.provider.apiKey, undefined)
  t.same(registry.models(), [], 'a wildcard admits names but lists nothing')
})

test('model names split at the first slash, so vendor-prefixed OpenRouter names route', async (t) => {
  const registry = await registryFrom({ OPENROUTER_API_KEY: 'or-key-123456' })
  const resolved = registry.resolve('openrouter/anthropic/claude-3.5-sonnet')
  t.equal(resolved.provider.id, 'openrouter')
  t.equal(resolved.model, 'anthropic/claude-3.5-sonnet')
})

test('a later source overrides an earlier one with the same id (how admin-managed providers will win)', async (t) => {
  const store: ProviderSource = {
    name: 'store',
    load: async () => [{ id: 'openai', kind: 'openai-compatible', displayName: 'OpenAI (admin)', baseUrl: 'https://eu.example/v1', apiKey: 'k-admin', models: ['gpt-4o'], source: 'store' }]
  }
  const registry = await registryFrom({ OPENAI_API_KEY: 'sk-env-123456' }, store)
  t.equal(registry.get('openai')?.source, 'store')
  t.equal(registry.get('openai')?.apiKey, 'k-admin')
  t.same(registry.models().map((m) => m.id), ['openai/gpt-4o'])
})

test('malformed provider settings are refused at start without echoing values', async (t) => {
  t.throws(() => loadConfig({ OPENAI_BASE_URL: 'ftp://nope' }), /OPENAI_BASE_URL/)
  t.throws(() => loadConfig({ OPENAI_MODELS: 'a,,b' }), /OPENAI_MODELS/)
  t.throws(() => loadConfig({ UPSTREAM_TIMEOUT_MS: '0' }), /UPSTREAM_TIMEOUT_MS/)
  const err = (() => { try { loadConfig({ ANTHROPIC_API_KEY: '' , OPENAI_BASE_URL: 'not a url sk-secret' }) } catch (e) { return e as Error } })()
  t.notMatch(err?.message ?? '', /sk-secret/)
})
