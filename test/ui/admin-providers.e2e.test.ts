import { test } from 'tap'
import { ADMIN_KEY, bearer } from '../helpers/build.js'
import { openAIMock } from '../helpers/mock-openai.js'
import { sendJson, startMock } from '../helpers/mock-server.js'
import { needs, serviceUrl } from '../helpers/services.js'
import { consoleErrors, screenshot } from './browser.js'
import { dialogNamed, signedInAdmin } from './admin-pages.js'

const CHROMIUM = needs('CHROMIUM_PATH', 'Chromium')
const SECRET = 'sk-acme-test-credential-0123456789abcdef'

test('providers: env ones read-only, an admin adds a provider and its key, tests the connection, disables and deletes it', CHROMIUM, async (t) => {
  const mock = await startMock(t, '/v1')
  const { app, page } = await signedInAdmin(t, serviceUrl('CHROMIUM_PATH'), '/providers', { OPENAI_API_KEY: 'sk-env-provider-key-0123456789', OPENAI_BASE_URL: mock.url })
  const errors = consoleErrors(page)
  await page.getByRole('heading', { name: 'Providers', level: 1 }).waitFor()

  // the environment's provider: listed, read-only (no management buttons)
  const envRow = page.getByRole('row', { name: /openai/i }).first()
  t.match(await envRow.textContent(), /env.*openai-compatible.*from the environment/)
  t.equal(await page.getByRole('button', { name: 'Delete openai' }).count(), 0, 'an env provider cannot be deleted here')

  // add a provider; the credentials dialog follows
  await page.getByRole('button', { name: 'Add provider' }).click()
  const form = await dialogNamed(page, 'Add provider')
  await form.getByLabel('Provider id').fill('acme')
  await form.getByLabel('Wire format').selectOption('openai-compatible')
  await form.getByLabel('Display name (optional)').fill('Acme AI')
  await form.getByLabel('Base URL').fill(mock.url)
  await form.getByLabel('Models offered (optional)').fill('acme-large, acme-small')
  await screenshot(page, 'providers-01-add-form')
  await form.getByRole('button', { name: 'Add provider' }).click()

  const creds = await dialogNamed(page, 'Credentials of Acme AI')
  await creds.getByRole('heading', { name: 'No credentials yet' }).waitFor()
  await creds.getByLabel('Label (optional)').fill('primary')
  await creds.getByLabel('API key').fill(SECRET)
  t.equal(await creds.getByLabel('API key').getAttribute('type'), 'password', 'the secret is typed into a masked field')
  await creds.getByLabel('Weight').fill('3')
  await creds.getByRole('button', { name: 'Add credential' }).click()
  await creds.getByRole('status').filter({ hasText: 'Added credential “primary”' }).waitFor()
  const credRow = creds.getByRole('row', { name: /primary/ })
  t.match(await credRow.textContent(), /3\s*ok/, 'weight and health shown')
  t.equal(await creds.getByLabel('API key').inputValue(), '', 'the field is cleared once stored')
  t.notOk((await page.content()).includes(SECRET), 'the secret is never displayed back')
  await screenshot(page, 'providers-02-credentials')
  await creds.getByRole('button', { name: 'Close' }).click()

  const row = page.getByRole('row', { name: /Acme AI/ })
  t.match(await row.textContent(), /store.*openai-compatible.*enabled.*1: primary ok/)

  // test connection: the mock lists models (with the stored key), then refuses
  mock.respond((_req, res) => { sendJson(res, 200, { object: 'list', data: [{ id: 'acme-large', object: 'model' }] }) }, openAIMock.error(401, 'Incorrect API key provided'))
  await page.getByRole('button', { name: 'Test connection to acme' }).click()
  t.match(await page.getByRole('status').filter({ hasText: 'Connection test of acme' }).textContent(), /OK\. Provider acme answered 200\..*HTTP 200/)
  t.equal(mock.requests.at(-1)?.headers.authorization, `Bearer ${SECRET}`, 'the test used the stored credential')
  await screenshot(page, 'providers-03-test-ok')
  await page.getByRole('button', { name: 'Test connection to acme' }).click()
  t.match(await page.getByRole('alert').filter({ hasText: 'Connection test of acme' }).textContent(), /failed\. Provider acme answered 401/)
  await screenshot(page, 'providers-04-test-failed')

  // disable, then delete with confirmation
  await page.getByRole('button', { name: 'Disable acme' }).click()
  await page.getByRole('status').filter({ hasText: 'Disabled provider “acme”' }).waitFor()
  await row.getByText('disabled', { exact: true }).waitFor()
  t.equal(await page.getByRole('button', { name: 'Enable acme' }).count(), 1, 'and can be enabled again')
  await page.getByRole('button', { name: 'Delete acme' }).click()
  await (await dialogNamed(page, 'Delete provider “acme”?')).getByRole('button', { name: 'Delete provider' }).click()
  await page.getByRole('status').filter({ hasText: 'Deleted provider “acme”' }).waitFor()
  await row.waitFor({ state: 'detached' })
  t.equal(await row.count(), 0, 'gone from the list')
  const left = await app.inject({ method: 'GET', url: '/api/admin/providers', headers: bearer(ADMIN_KEY) })
  t.same(left.json().items.map((p: { id: string }) => p.id).filter((id: string) => id === 'acme'), [], 'gone from the gateway')

  t.same(errors.filter((e) => /Content.Security.Policy/i.test(e)), [], 'no CSP violations')
})
