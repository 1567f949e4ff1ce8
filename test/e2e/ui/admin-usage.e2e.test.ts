import { readFile } from 'node:fs/promises'
import { test } from 'tap'
import { bearer, issueKey } from '../../helpers/build.js'
import { openAIMock } from '../../helpers/mock-openai.js'
import { startMock } from '../../helpers/mock-server.js'
import { needs, serviceUrl } from '../../helpers/services.js'
import { signedInAdmin } from './admin-pages.js'
import { consoleErrors, screenshot } from './browser.js'

const MODEL = 'openai/gpt-4o'

test('the usage page breaks usage down by key and by app over a chosen range and exports it as CSV', needs('CHROMIUM_PATH', 'Chromium'), async (t) => {
  const mock = await startMock(t, '/v1')
  // 9 prompt + 12 completion tokens per answer
  mock.respond(openAIMock.answer({ content: 'Hi there.' }))
  const { app, base, page } = await signedInAdmin(t, serviceUrl('CHROMIUM_PATH'), '/keys', { OPENAI_API_KEY: 'sk-test-provider-openai-0123456789', OPENAI_BASE_URL: mock.url })
  const errors = consoleErrors(page)
  const billing = await issueKey(app, { name: 'billing service', scopes: ['chat'] })
  const batch = await issueKey(app, { name: 'nightly batch', scopes: ['chat'] })
  const calls: Array<[key: string, app: string | undefined]> = [[billing.key, 'did:abt:zInvoices'], [billing.key, undefined], [batch.key, 'did:abt:zInvoices']]
  for (const [key, app] of calls) {
    const res = await fetch(`${base}/api/v2/chat/completions`, {
      method: 'POST',
      headers: { ...bearer(key), 'content-type': 'application/json', ...(app === undefined ? {} : { 'x-aigne-hub-client-did': app }) },
      body: JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'Hi' }] })
    })
    t.equal(res.status, 200, 'a metered call')
  }

  await page.getByRole('link', { name: 'Usage' }).click()
  const byKey = page.getByRole('table', { name: 'Usage by key' })
  await byKey.waitFor()
  const cellsOf = async (name: string): Promise<string[]> => (await byKey.getByRole('row', { name: new RegExp(name) }).getByRole('cell').allTextContents()).slice(0, 3)
  // requests, errors, total tokens
  t.same(await cellsOf('billing service'), ['2', '0', '42'], 'each key by name, with its own calls')
  t.same(await cellsOf('nightly batch'), ['1', '0', '21'])
  t.match(await byKey.getByRole('row').nth(1).textContent(), /billing service/, 'the biggest user first')
  await screenshot(page, 'usage-01-by-key')

  const byApp = page.getByRole('table', { name: 'Usage by app' })
  const appCells = async (name: RegExp): Promise<string[]> => (await byApp.getByRole('row', { name }).getByRole('cell').allTextContents()).slice(0, 3)
  t.same(await appCells(/did:abt:zInvoices \(billing service\)/), ['1', '0', '21'], 'each app under each key that it called with')
  t.same(await appCells(/did:abt:zInvoices \(nightly batch\)/), ['1', '0', '21'])
  t.same(await appCells(/\(no app\) \(billing service\)/), ['1', '0', '21'], 'calls that named no app')
  await screenshot(page, 'usage-02-by-app')

  await page.getByLabel('Range').selectOption('7')
  await byKey.getByRole('row', { name: /billing service/ }).waitFor()
  t.same(await cellsOf('billing service'), ['2', '0', '42'], 'the shorter range still holds today\'s calls')

  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download CSV' }).click()])
  t.match(download.suggestedFilename(), /^hubgate-usage-\d{4}-\d\d-\d\d-\d{4}-\d\d-\d\d\.csv$/)
  const csv = (await readFile(await download.path(), 'utf8')).trim().split('\n')
  t.equal(csv[0], 'day,key,app,model,requests,errors,promptTokens,completionTokens,totalTokens,credits,cachedTokens,cacheWriteTokens,cacheWrite1hTokens,reasoningTokens,audioInputTokens,audioOutputTokens,seconds,characters', 'one row per day, key, app and model')
  const today = new Date().toISOString().slice(0, 10)
  t.match(csv.find((line) => line.startsWith(`${today},${billing.id},did:abt:zInvoices,`)), new RegExp(`^${today},${billing.id},did:abt:zInvoices,${MODEL},1,0,9,12,21,`))
  t.match(csv.find((line) => line.startsWith(`${today},${billing.id},,`)), new RegExp(`^${today},${billing.id},,${MODEL},1,0,9,12,21,`))
  t.match(csv.find((line) => line.includes(batch.id)), new RegExp(`^${today},${batch.id},did:abt:zInvoices,${MODEL},1,0,9,12,21,`))
  t.same(errors, [], 'no console errors (the download passes the page\'s CSP)')
})
