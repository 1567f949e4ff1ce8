import { createRequire } from 'node:module'

type PricePackage = typeof import('@pydantic/genai-prices')

let loaded: PricePackage | undefined

/**
 * @pydantic/genai-prices, loaded by the first price lookup rather than by every start: its price data is the largest
 * single module of a start (~800 KB of code to parse and run; issue #26, start-up within a second). Required
 * synchronously (the package is CommonJS) because prices are read synchronously on a call's path; the bundle
 * (cli/bundle.ts) leaves it in node_modules, so nothing of it is parsed before it is needed.
 */
export function pricePackage (): PricePackage {
  loaded ??= createRequire(import.meta.url)('@pydantic/genai-prices') as PricePackage
  return loaded
}
