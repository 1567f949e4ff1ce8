import { test } from 'tap'
import { calcPrice, findProvider, waitForUpdate, type ModelInfo } from '@pydantic/genai-prices'
import { PriceSchedule } from '#catalog/price-windows.js'
import { packageProviderOfUrl, PriceProviders, isPackageProvider, priceProviderFor } from '#catalog/price-providers.js'

/** Every model of the package whose price changes with the date or the time of day, with its provider. */
async function scheduledModels (): Promise<Array<{ provider: string, model: ModelInfo }>> {
  const providers = (await waitForUpdate()) ?? []
  return providers.flatMap((p) => p.models.filter((m) => Array.isArray(m.prices)).map((model) => ({ provider: p.id, model })))
}

/** Every boundary a model's windows name, ±1 s, on a few dates, and every quarter hour of two days. */
function instants (model: ModelInfo): Date[] {
  const days = ['2025-06-01', '2026-08-16', '2026-08-17', '2026-12-07', '2027-01-01']
  const times: Date[] = []
  for (const day of days) for (let minute = 0; minute < 1440; minute += 15) times.push(new Date(Date.parse(`${day}T00:00:00Z`) + minute * 60_000))
  for (const entry of model.prices as Array<{ constraint?: Record<string, string> }>) {
    const c = entry.constraint
    if (c?.type === 'time_of_date') {
      for (const day of days) for (const edge of [c.start_time, c.end_time]) {
        const at = Date.parse(`${day}T${(edge as string).replace(/Z$/, '')}Z`)
        times.push(new Date(at - 1000), new Date(at), new Date(at + 1000))
      }
    }
    if (c?.type === 'start_date') for (const offset of [-1000, 0, 1000]) times.push(new Date(Date.parse(`${c.start_date as string}T00:00:00Z`) + offset))
  }
  return times
}

test('a call\'s price at any time is the one the package itself picks for that time, for every model with dated or daily prices', async (t) => {
  const models = await scheduledModels()
  t.ok(models.some(({ model }) => (model.prices as Array<{ constraint?: { type: string } }>).some((p) => p.constraint?.type === 'time_of_date')),
    'the package has time-of-day prices to check')
  let checked = 0
  for (const { provider, model } of models) {
    const schedule = new PriceSchedule(model)
    for (const at of instants(model)) {
      const theirs = calcPrice({}, model.id, { providerId: provider, timestamp: at })
      if (theirs?.model.id !== model.id) continue
      t.equal(schedule.at(at), theirs.model_price, `${provider}/${model.id} at ${at.toISOString()}`)
      checked++
    }
  }
  t.ok(checked > 1000, `${checked} instants checked`)
})

test('the prices a call may pay: the one in force at its start and every time-of-day one', async (t) => {
  const deepseek = findProvider({ providerId: 'deepseek' })?.models.find((m) => m.id === 'deepseek-chat') as ModelInfo
  const schedule = new PriceSchedule(deepseek)
  const daily = (deepseek.prices as Array<{ constraint?: { type: string }, prices: unknown }>).filter((p) => p.constraint?.type === 'time_of_date').map((p) => p.prices)
  t.ok(daily.length > 0, 'deepseek-chat has a time-of-day price')
  const now = new Date('2026-12-07T12:00:00Z')
  const possible = schedule.possibleFrom(now)
  t.equal(possible[0], schedule.at(now), 'the current price first')
  for (const prices of daily) t.ok(possible.includes(prices as never), 'each daily window is possible')
  t.equal(new Set(possible).size, possible.length, 'each once')
})

test('a provider\'s base URL finds its price list provider by the package\'s API addresses; only https, bounded, never a pattern', async (t) => {
  t.equal(packageProviderOfUrl('https://api.deepseek.com'), 'deepseek')
  t.equal(packageProviderOfUrl('https://api.deepseek.com/v1/'), 'deepseek')
  t.equal(packageProviderOfUrl('https://api.groq.com/openai/v1'), 'groq')
  t.equal(packageProviderOfUrl('https://user:pw@api.mistral.ai/v1?x=1#y'), 'mistral', 'user info, query and fragment are not part of the match')
  t.equal(packageProviderOfUrl('http://api.deepseek.com/v1'), undefined, 'plain http is never matched')
  t.equal(packageProviderOfUrl('https://api.deepseek.com.evil.example/v1'), undefined, 'a host that only starts like the API\'s is not it')
  t.equal(packageProviderOfUrl('https://router.huggingface.co/together/v1'), 'huggingface_together', 'host and path')
  t.equal(packageProviderOfUrl('https://api.arcee.ai/api/v1'), 'arcee', 'a pattern that ends with its own "/"')
  t.equal(packageProviderOfUrl('https://evil.example/https://api.deepseek.com'), undefined, 'the pattern is anchored at the start')
  t.equal(packageProviderOfUrl('https://127.0.0.1:8080/v1'), undefined, 'a local server has no price list provider')
  t.equal(packageProviderOfUrl('not a url'), undefined)
  t.equal(packageProviderOfUrl(`https://api.deepseek.com/${'a'.repeat(400)}`), undefined, 'a URL past the bound is not matched')
  t.equal(packageProviderOfUrl('https://(.*)+$.example/[a-z'), undefined, 'regex syntax in the URL is only text')

  t.ok(isPackageProvider('groq'))
  t.notOk(isPackageProvider('groq-but-not'), 'only exact ids')
  t.notOk(isPackageProvider('GROQ'))

  t.equal(priceProviderFor({ id: 'ds2', baseUrl: 'https://api.deepseek.com', priceProvider: 'auto' }), 'deepseek', 'auto: by URL')
  t.equal(priceProviderFor({ id: 'ds2', baseUrl: 'https://api.deepseek.com', priceProvider: 'groq' }), 'groq', 'the admin\'s choice wins over the URL')
  t.equal(priceProviderFor({ id: 'ds2', baseUrl: 'https://api.deepseek.com', priceProvider: null }), null, 'null: none')
  t.equal(priceProviderFor({ id: 'openai', baseUrl: 'http://127.0.0.1:9/v1' }), 'openai', 'a built-in id at a proxy keeps its prices')
  t.equal(priceProviderFor({ id: 'mine', baseUrl: 'http://127.0.0.1:9/v1' }), null)

  const providers = new PriceProviders()
  t.equal(providers.of('deepseek'), 'deepseek', 'built-in ids before any provider is configured')
  providers.use([{ id: 'deepseek', baseUrl: 'https://api.deepseek.com', priceProvider: null }, { id: 'acct2', baseUrl: 'https://api.openai.com/v1' }])
  t.equal(providers.of('deepseek'), undefined, 'a built-in provider set to none has none')
  t.equal(providers.of('acct2'), 'openai', 'a second OpenAI account is priced as OpenAI')
  t.equal(providers.of('unknown'), undefined)
})
