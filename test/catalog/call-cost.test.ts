import { test } from 'tap'
import { callCredits, reservedCredits, roundCredits, type MeasuredCall } from '#catalog/call-cost.js'
import { NO_RATES, type ModelRates } from '#catalog/rates.js'

const rates = (r: Partial<ModelRates>): ModelRates => ({ ...NO_RATES, ...r })

const SONNET = rates({
  inputRate: 3, cachedInputRate: 0.3, cacheWriteRate: 3.75, cacheWrite1hRate: 6, outputRate: 15,
  tiers: [{ above: 200_000, inputRate: 6, cachedInputRate: 0.6, cacheWriteRate: 7.5, cacheWrite1hRate: 12, outputRate: 22.5 }]
})
const REASONER = rates({ inputRate: 1, cachedInputRate: 0.1, outputRate: 4, reasoningRate: 9, audioInputRate: 20, audioOutputRate: 30 })
// a tier that lowers one rate: each kind of token is bounded by its own highest rate
const ODD_TIERS = rates({ inputRate: 2, outputRate: 10, tiers: [{ above: 1000, inputRate: 5, outputRate: 1 }, { above: 5000, inputRate: 1, outputRate: 20 }] })

const answered = (call: Omit<MeasuredCall, 'status'>): MeasuredCall => ({ kind: 'chat', status: 200, ...call })

test('unset rates fall back: cache reads and writes to the input rate, 1-hour writes to cache writes, reasoning and audio out to output', async (t) => {
  const plain = rates({ inputRate: 2, outputRate: 8, cacheWriteRate: 2.5 })
  const call = answered({ promptTokens: 1000, completionTokens: 100, cachedTokens: 100, cacheWriteTokens: 100, cacheWrite1hTokens: 100, reasoningTokens: 50, audioInputTokens: 100, audioOutputTokens: 10 })
  // 600 × 2 + 100 × 2 (cached) + 100 × 2.5 + 100 × 2.5 (1h) + 100 × 2 (audio) + 40 × 8 + 50 × 8 + 10 × 8
  t.equal(callCredits(plain, call), 0.0029)
})

test('tiers: the last tier the prompt passes prices every token; at the boundary the lower one still applies', async (t) => {
  t.equal(callCredits(SONNET, answered({ promptTokens: 200_000, completionTokens: 0 })), 0.6)
  t.equal(callCredits(SONNET, answered({ promptTokens: 200_001, completionTokens: 0 })), 1.200006)
  t.equal(callCredits(ODD_TIERS, answered({ promptTokens: 2000, completionTokens: 1000 })), 0.011)
  t.equal(callCredits(ODD_TIERS, answered({ promptTokens: 6000, completionTokens: 1000 })), 0.026)
})

test('a report whose parts exceed its totals is charged as if each part were at most what is left of the total', async (t) => {
  // 10^9 cached tokens in a 100-token prompt: the 100 are cached, nothing more, nothing negative
  t.equal(callCredits(REASONER, answered({ promptTokens: 100, completionTokens: 10, cachedTokens: 1e9, reasoningTokens: 1e9 })), 0.0001)
  t.equal(callCredits(REASONER, answered({ promptTokens: 100, completionTokens: 10, cachedTokens: -50, reasoningTokens: -5 })), 0.00014)
})

test('abuse: the reservation bounds what any answer within the call\'s bounds can be charged, whatever kind its tokens are', async (t) => {
  const cases: Array<[string, ModelRates, number, number]> = [
    ['tiered cache writes', SONNET, 250_000, 4096],
    ['just under the tier', SONNET, 200_000, 4096],
    ['reasoning above output', REASONER, 5000, 2000],
    ['tiers lowering a rate', ODD_TIERS, 8000, 3000]
  ]
  const splits = [0, 0.25, 0.5, 1]
  for (const [name, modelRates, promptBound, completionBound] of cases) {
    const reserved = reservedCredits(modelRates, { kind: 'chat', promptTokens: promptBound, completionTokens: completionBound, choices: 2 }) as number
    let worst = 0
    for (const promptTokens of [0, 1, 1000, 1001, 5000, 5001, 200_000, 200_001, promptBound].filter((p) => p <= promptBound)) {
      for (const share of splits) {
        for (const field of ['cachedTokens', 'cacheWriteTokens', 'cacheWrite1hTokens', 'audioInputTokens'] as const) {
          for (const outField of ['reasoningTokens', 'audioOutputTokens'] as const) {
            const completionTokens = 2 * completionBound
            const charged = callCredits(modelRates, answered({
              promptTokens, completionTokens, [field]: Math.round(promptTokens * share), [outField]: Math.round(completionTokens * share)
            })) as number
            worst = Math.max(worst, charged)
          }
        }
      }
    }
    t.ok(worst <= reserved, `${name}: the worst charge ${worst} ≤ the reservation ${reserved}`)
    t.ok(worst > 0)
  }
})

test('credits keep 15 significant digits: float noise goes, order stays', async (t) => {
  t.equal(roundCredits(0.1 + 0.2), 0.3)
  t.ok(roundCredits(0.30000000000000004) <= roundCredits(0.30000000000000010))
})
