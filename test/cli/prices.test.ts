import t, { test } from 'tap'
import { calcPrice } from '@pydantic/genai-prices'
import { adminCall, build, tempDir } from '../helpers/build.js'
import { builtEntry } from '../helpers/transpile.js'

const prices = builtEntry(t, 'cli/prices.ts').run

test('prices diff shows where catalog entries with their own token rates differ from the built-in price list', async (t) => {
  const env = { DATA_DIR: tempDir(t), CREDITS_PER_USD: '1000' }
  // llm.example.com stands for a public host: the address guard is told its address, never asks DNS
  const app = await build(t, env, { resolveHost: async () => [{ address: '93.184.215.14', family: 4 }] })
  // its own input and output rates, no cache rates: the package's cache rates show as differences
  t.equal((await adminCall(app, { method: 'POST', url: '/api/admin/models', payload: { id: 'anthropic/claude-opus-4-1', inputRate: 15000, outputRate: 70000 } })).statusCode, 201)
  // no token rates of its own: it takes the built-in price, so nothing differs
  t.equal((await adminCall(app, { method: 'POST', url: '/api/admin/models', payload: { id: 'openai/gpt-4o', fallbacks: [] } })).statusCode, 201)
  t.equal((await adminCall(app, { method: 'POST', url: '/api/admin/models', payload: { id: 'ollama/llama3', inputRate: 0, outputRate: 0 } })).statusCode, 201)
  const mine = { id: 'mine', kind: 'openai-compatible', baseUrl: 'https://llm.example.com/v1', priceProvider: 'deepseek' }
  t.equal((await adminCall(app, { method: 'POST', url: '/api/admin/providers', payload: mine })).statusCode, 201)
  t.equal((await adminCall(app, { method: 'POST', url: '/api/admin/models', payload: { id: 'mine/deepseek-chat', inputRate: 1, outputRate: 2 } })).statusCode, 201)

  const res = await prices(env, 'diff', '--json')
  t.equal(res.code, 0, res.stderr)
  const { creditsPerUsd, differences } = JSON.parse(res.stdout) as { creditsPerUsd: number, differences: Array<{ model: string, priceList: string | null, field: string, catalog: unknown, builtin: unknown }> }
  t.equal(creditsPerUsd, 1000)
  const opus = calcPrice({}, 'claude-opus-4-1', { providerId: 'anthropic' })?.model_price as { output_mtok: number, cache_read_mtok: number, cache_write_1h_mtok: number }
  const byField = Object.fromEntries(differences.filter((d) => d.model === 'anthropic/claude-opus-4-1').map((d) => [d.field, d]))
  t.notOk('inputRate' in byField, 'the same input rate is no difference')
  t.same(byField.outputRate, { model: 'anthropic/claude-opus-4-1', priceList: 'anthropic', field: 'outputRate', catalog: 70000, builtin: opus.output_mtok * 1000 })
  t.same(byField.cachedInputRate, { model: 'anthropic/claude-opus-4-1', priceList: 'anthropic', field: 'cachedInputRate', catalog: null, builtin: opus.cache_read_mtok * 1000 })
  t.same(byField.cacheWrite1hRate?.builtin, opus.cache_write_1h_mtok * 1000)
  t.notOk(differences.some((d) => d.model === 'openai/gpt-4o'), 'an entry without its own token price follows the list')
  t.match(differences.find((d) => d.model === 'ollama/llama3'), { priceList: null, field: '*', builtin: null }, 'a price the list does not have')
  t.match(differences.find((d) => d.model === 'mine/deepseek-chat'), { priceList: 'deepseek', field: 'inputRate', catalog: 1 }, 'an admin-added provider is compared with the list it chose')

  const text = await prices(env, 'diff')
  t.match(text.stdout, /^model +price list +field +catalog +built-in\n/)
  t.match(text.stdout, new RegExp(`anthropic/claude-opus-4-1 +anthropic +outputRate +70000 +${opus.output_mtok * 1000}\\n`))
})

test('prices CLI usage errors exit 64, bad configuration 78', async (t) => {
  const unknown = await prices({}, 'undo')
  t.equal(unknown.code, 64)
  t.match(unknown.stderr, /unknown command "undo"/)
  t.equal((await prices({}, 'diff', 'extra')).code, 64)
  t.equal((await prices({}, 'diff', '--colour')).code, 64)
  const help = await prices({}, 'help')
  t.equal(help.code, 0)
  t.match(help.stdout, /hubgate-prices <command>/)
  t.equal((await prices({ DATA_DIR: tempDir(t), CREDITS_PER_USD: '-1' }, 'diff')).code, 78)
})
