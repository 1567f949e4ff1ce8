import { test } from 'tap'
import { ADMIN_KEY, bearer } from '../../helpers/build.js'
import { needs, serviceUrl } from '../../helpers/services.js'
import { consoleErrors, screenshot } from './browser.js'
import { dialogNamed, signedInAdmin } from './admin-pages.js'

const CHROMIUM = needs('CHROMIUM_PATH', 'Chromium')
const MODEL = 'openai/gpt-4o-mini'

test('models & rates: an admin adds a priced model, edits a rate, sees unpriced ones flagged and deletes with confirmation', CHROMIUM, async (t) => {
  const { app, page } = await signedInAdmin(t, serviceUrl('CHROMIUM_PATH'), '/models')
  const errors = consoleErrors(page)
  const catalog = async () => await app.inject({ method: 'GET', url: '/api/admin/models', headers: bearer(ADMIN_KEY) })
  await page.getByRole('heading', { name: 'Models & rates', level: 1 }).waitFor()

  // add: id, upstream name, kind, both rates and a fallback
  await page.getByRole('button', { name: 'Add model' }).click()
  const form = await dialogNamed(page, 'Add model')
  await form.getByLabel('Model id').fill(MODEL)
  await form.getByLabel('Kind').selectOption('chat')
  await form.getByLabel('Input rate').fill('150')
  await form.getByLabel('Output rate').fill('600')
  await form.getByLabel('Fallback models').fill('openai/gpt-4o')
  await screenshot(page, 'models-01-add-form')
  await form.getByRole('button', { name: 'Add model' }).click()
  await page.getByRole('status').filter({ hasText: `Added model “${MODEL}”` }).waitFor()

  const row = page.getByRole('row', { name: new RegExp(MODEL) })
  await row.getByRole('cell').nth(5).waitFor()
  t.same((await row.getByRole('cell').allTextContents()).slice(0, 6), ['gpt-4o-mini', 'chat', '150', '600', 'openai/gpt-4o', 'enabled'], 'listed with its rates')
  t.equal(await row.getByText('unpriced').count(), 0, 'a priced model has no warning badge')
  t.match((await catalog()).json(), { items: [{ id: MODEL, inputRate: 150, outputRate: 600, fallbacks: ['openai/gpt-4o'], enabled: true }] })

  // edit: change a rate, clear the other (unpriced now), disable
  await page.getByRole('button', { name: `Edit ${MODEL}` }).click()
  const edit = await dialogNamed(page, `Edit model “${MODEL}”`)
  t.equal(await edit.getByLabel('Input rate').inputValue(), '150', 'the form starts from the current rates')
  await edit.getByLabel('Input rate').fill('175.5')
  await edit.getByLabel('Output rate').fill('')
  await edit.getByRole('checkbox', { name: 'Enabled' }).uncheck()
  await edit.getByRole('button', { name: 'Save changes' }).click()
  await page.getByRole('status').filter({ hasText: `Saved model “${MODEL}”` }).waitFor()
  // the notice shows as the list reloads: the row is read once it has re-rendered
  await row.getByText('disabled', { exact: true }).waitFor()
  t.same((await row.getByRole('cell').allTextContents()).slice(2, 6), ['175.5', '—', 'openai/gpt-4o', 'disabled'])
  await row.getByText('unpriced').waitFor()
  t.match(await page.locator('p.warning').textContent(), /1 model has no price \(openai\/gpt-4o-mini\)/, 'the page warns about unpriced models')
  t.match((await catalog()).json(), { items: [{ id: MODEL, inputRate: 175.5, outputRate: null, enabled: false }] })
  await screenshot(page, 'models-02-list-unpriced')

  // bad input is refused with the gateway's message, in the dialog
  await page.getByRole('button', { name: 'Add model' }).click()
  const dup = await dialogNamed(page, 'Add model')
  await dup.getByLabel('Model id').fill(MODEL)
  await dup.getByRole('button', { name: 'Add model' }).click()
  t.match(await dup.getByRole('alert').textContent(), /already in the catalog/)
  await dup.getByLabel('Input rate').fill('-1')
  await dup.getByRole('button', { name: 'Add model' }).click()
  await dup.getByRole('alert').filter({ hasText: /0 or more/ }).waitFor()
  await dup.getByRole('button', { name: 'Cancel' }).click()

  // delete: asks first, then the row is gone
  await page.getByRole('button', { name: `Delete ${MODEL}` }).click()
  const confirm = await dialogNamed(page, `Delete “${MODEL}”?`)
  await screenshot(page, 'models-03-delete-confirmation')
  await confirm.getByRole('button', { name: 'Delete model' }).click()
  await page.getByRole('status').filter({ hasText: `Deleted model “${MODEL}”` }).waitFor()
  await page.getByRole('heading', { name: 'No models in the catalog yet' }).waitFor()
  t.same((await catalog()).json(), { items: [] }, 'gone from the catalog')
  const audit = await app.inject({ method: 'GET', url: '/api/admin/audit', headers: bearer(ADMIN_KEY) })
  t.same(audit.json().items.map((e: { action: string }) => e.action).filter((a: string) => a.startsWith('model.')).sort(),
    ['model.created', 'model.deleted', 'model.updated'], 'each change is audited')

  t.same(errors.filter((e) => /Content.Security.Policy/i.test(e)), [], 'no CSP violations')
})

test('models & rates: an admin prices an image model per image, by size and quality, and per call', CHROMIUM, async (t) => {
  const { app, page } = await signedInAdmin(t, serviceUrl('CHROMIUM_PATH'), '/models')
  await page.getByRole('heading', { name: 'Models & rates', level: 1 }).waitFor()
  await page.getByRole('button', { name: 'Add model' }).click()
  const form = await dialogNamed(page, 'Add model')
  await form.getByLabel('Model id').fill('openai/dall-e-3')
  await form.getByLabel('Kind').selectOption('image')
  await form.getByLabel('Per-image rate', { exact: true }).fill('0.04')
  await form.getByLabel('Per-image rates by size/quality').fill('1024x1024 hd 0.08')
  await form.getByRole('button', { name: 'Add model' }).click()
  await form.getByRole('alert').filter({ hasText: /one "size\/quality = credits" per line/ }).waitFor()
  await form.getByLabel('Per-image rates by size/quality').fill('1024x1024/hd = 0.08\n*/standard = 0.04')
  await form.getByLabel('Per-request rate').fill('0.001')
  await form.getByRole('button', { name: 'Add model' }).click()
  await page.getByRole('status').filter({ hasText: 'Added model “openai/dall-e-3”' }).waitFor()

  const row = page.getByRole('row', { name: /openai\/dall-e-3/ })
  // the status shows before the list's reload renders the new row
  await row.getByRole('cell').nth(6).waitFor()
  t.equal((await row.getByRole('cell').allTextContents())[6], '0.04/image, 0.08 1024x1024/hd, 0.04 */standard, 0.001/call')
  t.equal(await row.getByText('unpriced').count(), 0, 'an image model with a per-image rate is priced')
  const catalog = await app.inject({ method: 'GET', url: '/api/admin/models', headers: bearer(ADMIN_KEY) })
  t.match(catalog.json(), { items: [{ id: 'openai/dall-e-3', kind: 'image', imageRate: 0.04, imageRates: { '1024x1024/hd': 0.08, '*/standard': 0.04 }, requestRate: 0.001 }] })
})
