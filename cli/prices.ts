#!/usr/bin/env node
import { parseArgs } from 'node:util'

/**
 * Operator CLI for prices: where the model catalog (the store the server uses, same environment variables) differs
 * from the built-in price list (@pydantic/genai-prices at CREDITS_PER_USD). Exit codes: 0 done, 1 failed (store
 * down), 64 bad usage, 78 bad configuration.
 */

const USAGE = `Usage: hubgate-prices <command> [options]

Commands:
  diff                           catalog entries whose own token rates differ from the built-in price list,
                                 field by field (credits per 1M tokens, at CREDITS_PER_USD), with the price
                                 list provider each one's provider is priced by (its priceProvider)
  help                           this text

Options:
  --json                         print JSON instead of text

The store comes from the server's environment: DATA_DIR (SQLite) or DATABASE_URL, DATABASE_SCHEMA.
`

async function diff (json: boolean, env: NodeJS.ProcessEnv): Promise<string> {
  const { loadConfig } = await import('#config.js')
  const { openStore, storeOptions } = await import('#store/index.js')
  const { PriceList } = await import('#catalog/price-list.js')
  const { differencesTable, priceDifferences } = await import('#catalog/price-diff.js')
  const config = loadConfig(env)
  const store = await openStore(storeOptions(config))
  try {
    const prices = new PriceList(config.CREDITS_PER_USD)
    // admin-added providers are compared with the price list provider they chose or their base URL matches
    prices.useProviders(await store.providers.list())
    const differences = priceDifferences(await store.models.list(), prices)
    return json ? JSON.stringify({ creditsPerUsd: config.CREDITS_PER_USD, differences }, null, 2) + '\n' : differencesTable(differences)
  } finally {
    await store.close()
  }
}

async function main (argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  let parsed
  try {
    parsed = parseArgs({ args: argv, options: { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true })
  } catch (err) {
    process.stderr.write(`hubgate-prices: ${(err as Error).message}\n\n${USAGE}`)
    return 64
  }
  const [command, ...rest] = parsed.positionals
  if (parsed.values.help === true || command === 'help' || command === undefined) {
    process.stdout.write(USAGE)
    return 0
  }
  if (command !== 'diff' || rest.length > 0) {
    process.stderr.write(`hubgate-prices: ${command !== 'diff' ? `unknown command "${command}"` : 'diff takes no arguments'}\n\n${USAGE}`)
    return 64
  }
  try {
    process.stdout.write(await diff(parsed.values.json === true, env))
    return 0
  } catch (err) {
    process.stderr.write(`hubgate-prices: ${(err as Error).name === 'ConfigError' ? '' : 'failed: '}${(err as Error).message}\n`)
    return (err as Error).name === 'ConfigError' ? 78 : 1
  }
}

process.exitCode = await main(process.argv.slice(2), process.env)
