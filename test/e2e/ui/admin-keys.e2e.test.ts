import { test } from 'tap'
import { adminCall, bearer, issueKey } from '../../helpers/build.js'
import { needs, serviceUrl } from '../../helpers/services.js'
import { dialogNamed, signedInAdmin } from './admin-pages.js'
import { consoleErrors, screenshot } from './browser.js'

interface KeyView { id: string, name: string, creditLimit: number | null, creditPeriod: string, rpm: number | null, tpm: number | null, maxConcurrent: number | null }

test('an admin sets, changes and clears a key\'s budget and rate limits in the web UI', needs('CHROMIUM_PATH', 'Chromium'), async (t) => {
  const { app, page } = await signedInAdmin(t, serviceUrl('CHROMIUM_PATH'), '/keys')
  const errors = consoleErrors(page)
  const keyNamed = async (name: string): Promise<KeyView> => {
    const all = (await adminCall(app, { url: '/api/admin/access-keys?limit=100' })).json<{ items: KeyView[] }>()
    const key = all.items.find((k) => k.name === name)
    if (key === undefined) throw new Error(`no key named ${name}`)
    return key
  }

  await page.getByRole('button', { name: 'New access key' }).click()
  const form = await dialogNamed(page, 'New access key')
  await form.getByLabel('Name').fill('metered app')
  await form.getByLabel('Credit limit', { exact: true }).fill('12.5')
  await form.getByLabel('Credit limit period').selectOption('day')
  await form.getByLabel('Requests per minute').fill('1.5')
  await form.getByRole('button', { name: 'Create key' }).click()
  const refused = form.getByRole('alert')
  await refused.waitFor()
  t.match(await refused.textContent(), /Requests per minute must be a whole number of at least 1/, 'a fractional rpm is refused before it is sent')
  await form.getByLabel('Requests per minute').fill('60')
  await form.getByLabel('Tokens per minute').fill('10 000')
  await form.getByLabel('Calls at once').fill('4')
  await screenshot(page, 'key-limits-01-form')
  await form.getByRole('button', { name: 'Create key' }).click()
  const reveal = await dialogNamed(page, 'Access key created')
  const secret = await reveal.getByLabel('Access key secret').inputValue()
  await reveal.getByRole('button', { name: 'I have stored it' }).click()

  t.match(await keyNamed('metered app'), { creditLimit: 12.5, creditPeriod: 'day', rpm: 60, tpm: 10_000, maxConcurrent: 4 }, 'the limits reached the gateway')
  const row = page.getByRole('row', { name: /metered app/ })
  t.match(await row.textContent(), /12\.5 credits\/day · 60 rpm · 10,000 tpm · 4 at once/, 'the list shows the limits')
  const usage = await app.inject({ url: '/api/v2/usage', headers: bearer(secret) })
  t.match(usage.json(), { creditLimit: 12.5, creditsRemaining: 12.5, rpm: 60, tpm: 10_000 }, 'the key itself reports them')
  await screenshot(page, 'key-limits-02-list')

  await page.getByRole('button', { name: 'Edit metered app' }).click()
  const edit = await dialogNamed(page, /Edit access key/)
  t.equal(await edit.getByLabel('Credit limit', { exact: true }).inputValue(), '12.5', 'the form starts from the key\'s limits')
  await edit.getByLabel('Credit limit period').selectOption('month')
  await edit.getByLabel('Requests per minute').fill('')
  await edit.getByLabel('Tokens per minute').fill('')
  await edit.getByLabel('Calls at once').fill('')
  await edit.getByRole('button', { name: 'Save changes' }).click()
  await page.getByRole('row', { name: /metered app/ }).filter({ hasText: '12.5 credits/month' }).waitFor()
  t.match(await keyNamed('metered app'), { creditLimit: 12.5, creditPeriod: 'month', rpm: null, tpm: null, maxConcurrent: null }, 'emptied fields clear those limits')

  await page.getByRole('button', { name: 'Edit metered app' }).click()
  const clear = await dialogNamed(page, /Edit access key/)
  await clear.getByLabel('Credit limit', { exact: true }).fill('')
  await clear.getByRole('button', { name: 'Save changes' }).click()
  await page.getByRole('row', { name: /metered app/ }).filter({ hasText: /none/ }).waitFor()
  t.equal((await keyNamed('metered app')).creditLimit, null, 'no budget left on the key')
  t.same(errors, [], 'no console errors')
})

test('an admin finds keys by a part of their name, or the start of a secret', needs('CHROMIUM_PATH', 'Chromium'), async (t) => {
  const { app, page } = await signedInAdmin(t, serviceUrl('CHROMIUM_PATH'), '/keys')
  await issueKey(app, { name: 'alpha service' })
  const beta = await issueKey(app, { name: 'beta job' })
  await page.reload()
  await page.getByRole('row', { name: /beta job/ }).waitFor()
  const search = page.getByRole('search', { name: 'Search access keys' })

  await search.getByLabel('Search').fill('BETA')
  await search.getByRole('button', { name: 'Search' }).click()
  await page.getByRole('row', { name: /alpha service/ }).waitFor({ state: 'detached' })
  t.equal(await page.getByRole('row', { name: /beta job/ }).count(), 1, 'the matching key, in any case')
  await screenshot(page, 'keys-search')

  await search.getByLabel('Search').fill(beta.key.slice(0, 10))
  await search.getByRole('button', { name: 'Search' }).click()
  await page.getByRole('row', { name: /beta job/ }).waitFor()

  await search.getByLabel('Search').fill('no such key')
  await search.getByRole('button', { name: 'Search' }).click()
  await page.getByRole('heading', { name: 'No matching keys' }).waitFor()

  await search.getByLabel('Search').fill('')
  await search.getByRole('button', { name: 'Search' }).click()
  await page.getByRole('row', { name: /alpha service/ }).waitFor()
  t.equal(await page.getByRole('row', { name: /beta job/ }).count(), 1, 'an empty search lists every key again')
})
