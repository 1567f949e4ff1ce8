import { test } from 'tap'
import { ADMIN_KEY, bearer } from '../../helpers/build.js'
import { openAIMock } from '../../helpers/mock-openai.js'
import { sendJson, startMock } from '../../helpers/mock-server.js'
import { needs, serviceUrl } from '../../helpers/services.js'
import { consoleErrors, screenshot } from './browser.js'
import { dialogNamed, signedInAdmin } from './admin-pages.js'

const CHROMIUM = needs('CHROMIUM_PATH', 'Chromium')
const SECRET = 'sk-acme-test-credential-0123456789abcdef'
const NEW_SECRET = 'sk-acme-rotated-credential-9876543210wxyz'

test('providers: env ones read-only, an admin adds a provider and its key, tests the connection, manages its credentials, edits, disables and deletes it', CHROMIUM, async (t) => {
  const mock = await startMock(t, '/v1')
  const { app, page } = await signedInAdmin(t, serviceUrl('CHROMIUM_PATH'), '/providers', {
    OPENAI_API_KEY: 'sk-env-provider-key-0123456789', OPENAI_BASE_URL: mock.url, PROVIDER_ALLOWED_HOSTS: '127.0.0.1',
    // the table names the price list that prices each provider's models
    BUILTIN_PRICES: 'true'
  })
  const errors = consoleErrors(page)
  await page.getByRole('heading', { name: 'Providers', level: 1 }).waitFor()

  // the environment's provider: listed, read-only (no management buttons)
  const envRow = page.getByRole('row', { name: /openai/i }).first()
  t.match(await envRow.textContent(), /env.*openai-compatible.*openai.*from the environment/, 'priced by the price list\'s openai')
  t.equal(await page.getByRole('button', { name: 'Delete openai' }).count(), 0, 'an env provider cannot be deleted here')

  // add a provider; the credentials dialog follows
  await page.getByRole('button', { name: 'Add provider' }).click()
  const form = await dialogNamed(page, 'Add provider')
  await form.getByLabel('Provider id').fill('acme')
  await form.getByLabel('Wire format').selectOption('openai-compatible')
  await form.getByLabel('Display name (optional)').fill('Acme AI')
  await form.getByLabel('Base URL').fill(mock.url)
  await form.getByLabel('Models offered (optional)').fill('acme-large, acme-small')
  t.equal(await form.getByLabel('Built-in prices').inputValue(), 'auto', 'built-in prices by base URL unless chosen')
  await form.getByLabel('Built-in prices').selectOption('deepseek')
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
  t.match(await row.textContent(), /store.*openai-compatible.*enabled.*deepseek.*1: primary ok/, 'the price list that prices its models is shown')

  // test connection: the mock lists models (with the stored key), then refuses
  mock.respond((_req, res) => { sendJson(res, 200, { object: 'list', data: [{ id: 'acme-large', object: 'model' }] }) }, openAIMock.error(401, 'Incorrect API key provided'))
  await page.getByRole('button', { name: 'Test connection to acme' }).click()
  t.match(await page.getByRole('status').filter({ hasText: 'Connection test of acme' }).textContent(), /OK\. Provider acme answered 200\..*HTTP 200/)
  t.equal(mock.requests.at(-1)?.headers.authorization, `Bearer ${SECRET}`, 'the test used the stored credential')
  await screenshot(page, 'providers-03-test-ok')
  await page.getByRole('button', { name: 'Test connection to acme' }).click()
  t.match(await page.getByRole('alert').filter({ hasText: 'Connection test of acme' }).textContent(), /failed\. Provider acme answered 401/)
  await screenshot(page, 'providers-04-test-failed')

  // credentials: a second one, a rotated key and weight for the first, out of rotation and back, deleted
  const credentialsOf = async (): Promise<Array<{ label: string, weight: number, secretHint: string, health: { state: string } }>> =>
    (await app.inject({ method: 'GET', url: '/api/admin/providers/acme/credentials', headers: bearer(ADMIN_KEY) })).json().items
  await page.getByRole('button', { name: 'Credentials of acme' }).click()
  const manage = await dialogNamed(page, 'Credentials of Acme AI')
  await manage.getByLabel('Label (optional)').fill('backup')
  await manage.getByLabel('API key').fill('sk-acme-backup-credential-00000000')
  await manage.getByRole('button', { name: 'Add credential' }).click()
  await manage.getByRole('status').filter({ hasText: 'Added credential “backup”' }).waitFor()

  await manage.getByRole('button', { name: 'Edit credential primary' }).click()
  await manage.getByRole('heading', { name: 'Change credential “primary”' }).waitFor()
  t.equal(await manage.getByLabel('Weight').inputValue(), '3', 'the form holds its current weight')
  t.equal(await manage.getByLabel('API key').inputValue(), '', 'but never its key')
  await manage.getByLabel('Weight').fill('5')
  await manage.getByLabel('API key').fill(NEW_SECRET)
  await manage.getByRole('button', { name: 'Save credential' }).click()
  await manage.getByRole('status').filter({ hasText: 'Saved credential “primary”' }).waitFor()
  await manage.getByRole('heading', { name: 'Add a credential' }).waitFor()
  let stored = await credentialsOf()
  t.match(stored.find((c) => c.label === 'primary'), { weight: 5, secretHint: /wxyz$/ }, 'weight and key changed in the gateway')
  t.notOk((await page.content()).includes(NEW_SECRET), 'the new key is not displayed either')

  await manage.getByRole('button', { name: 'Disable credential backup' }).click()
  await manage.getByRole('status').filter({ hasText: 'Disabled credential “backup”' }).waitFor()
  await manage.getByRole('row', { name: /backup/ }).getByText(/^disabled/).waitFor()
  t.equal((await credentialsOf()).find((c) => c.label === 'backup')?.health.state, 'disabled', 'out of rotation')
  await manage.getByRole('button', { name: 'Re-enable credential backup' }).click()
  await manage.getByRole('status').filter({ hasText: 'Credential “backup” is back in rotation' }).waitFor()
  t.equal((await credentialsOf()).find((c) => c.label === 'backup')?.health.state, 'ok', 'back in rotation')

  await manage.getByRole('button', { name: 'Delete credential backup' }).click()
  await manage.getByRole('button', { name: 'Confirm deleting credential backup' }).click()
  await manage.getByRole('status').filter({ hasText: 'Deleted credential “backup”' }).waitFor()
  stored = await credentialsOf()
  t.same(stored.map((c) => c.label), ['primary'], 'deleted in the gateway')
  await screenshot(page, 'providers-05-credentials-managed')
  await manage.getByRole('button', { name: 'Close' }).click()

  mock.respond((_req, res) => { sendJson(res, 200, { object: 'list', data: [] }) })
  await page.getByRole('button', { name: 'Test connection to acme' }).click()
  await page.getByRole('status').filter({ hasText: 'Connection test of acme: OK' }).waitFor()
  t.equal(mock.requests.at(-1)?.headers.authorization, `Bearer ${NEW_SECRET}`, 'calls use the rotated key')

  // edit the provider: name and models (id and wire format are fixed)
  await page.getByRole('button', { name: 'Edit acme' }).click()
  const edit = await dialogNamed(page, 'Edit provider “acme”')
  t.equal(await edit.getByLabel('Provider id').count(), 0, 'the id cannot be changed')
  t.equal(await edit.getByLabel('Base URL').inputValue(), mock.url, 'the form holds the current values')
  t.equal(await edit.getByLabel('Built-in prices').inputValue(), 'deepseek', 'the price list chosen when it was added')
  await edit.getByLabel('Built-in prices').selectOption({ label: 'None (catalog rates only)' })
  await edit.getByLabel('Display name (optional)').fill('Acme Cloud')
  await edit.getByLabel('Models offered (optional)').fill('acme-large')
  await edit.getByRole('button', { name: 'Save changes' }).click()
  await page.getByRole('status').filter({ hasText: 'Saved provider “acme”' }).waitFor()
  const renamed = page.getByRole('row', { name: /Acme Cloud/ })
  await renamed.waitFor()
  t.match(await renamed.textContent(), /enabled\s*none/, 'no built-in prices any more')
  t.match((await app.inject({ method: 'GET', url: '/api/admin/providers/acme', headers: bearer(ADMIN_KEY) })).json(), { displayName: 'Acme Cloud', models: ['acme-large'], baseUrl: mock.url, priceProvider: null })

  // disable, then delete with confirmation
  await page.getByRole('button', { name: 'Disable acme' }).click()
  await page.getByRole('status').filter({ hasText: 'Disabled provider “acme”' }).waitFor()
  await renamed.getByText('disabled', { exact: true }).waitFor()
  t.equal(await page.getByRole('button', { name: 'Enable acme' }).count(), 1, 'and can be enabled again')
  await page.getByRole('button', { name: 'Delete acme' }).click()
  await (await dialogNamed(page, 'Delete provider “acme”?')).getByRole('button', { name: 'Delete provider' }).click()
  await page.getByRole('status').filter({ hasText: 'Deleted provider “acme”' }).waitFor()
  await renamed.waitFor({ state: 'detached' })
  t.equal(await renamed.count(), 0, 'gone from the list')
  const left = await app.inject({ method: 'GET', url: '/api/admin/providers', headers: bearer(ADMIN_KEY) })
  t.same(left.json().items.map((p: { id: string }) => p.id).filter((id: string) => id === 'acme'), [], 'gone from the gateway')

  t.same(errors.filter((e) => /Content.Security.Policy/i.test(e)), [], 'no CSP violations')
})
