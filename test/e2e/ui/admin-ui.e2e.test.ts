import type { AddressInfo } from 'node:net'
import { test, type Test } from 'tap'
import type { Page } from 'playwright-core'
import { ADMIN_KEY, UNAUTHORIZED, bearer, build, issueKey } from '../../helpers/build.js'
import { openAIMock } from '../../helpers/mock-openai.js'
import { startMock } from '../../helpers/mock-server.js'
import { needs, serviceUrl } from '../../helpers/services.js'
import { buildUi, consoleErrors, launchBrowser, screenshot } from './browser.js'

const CHROMIUM = needs('CHROMIUM_PATH', 'Chromium')
const MODEL = 'openai/gpt-4o'
const ANSWER = 'Hello from the mock provider, streamed in pieces.'

/** The issue's flow: the key made in the UI calls the chat route, answered by a loopback OpenAI mock. */
const KEY_USE = {
  scopes: ['chat'],
  call: async (base: string, key: string): Promise<Response> => await fetch(`${base}/api/v2/chat/completions`, {
    method: 'POST',
    headers: { ...bearer(key), 'content-type': 'application/json' },
    body: JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'Hi' }] })
  })
}

/** A listening gateway serving a fresh UI build, with OpenAI pointed at a mock that always answers ANSWER. */
async function startGateway (t: Test) {
  const mock = await startMock(t, '/v1')
  mock.respond(openAIMock.answer({ content: ANSWER }, { pieceSize: 5 }))
  const app = await build(t, { ADMIN_UI_DIR: await buildUi(), OPENAI_API_KEY: 'sk-test-provider-openai-0123456789', OPENAI_BASE_URL: mock.url })
  await app.listen({ host: '127.0.0.1', port: 0 })
  return { app, base: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}` }
}

async function signIn (page: Page, key: string): Promise<void> {
  await page.getByLabel('Admin access key').fill(key)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.getByRole('button', { name: 'Sign out' }).waitFor()
}

async function dialogNamed (page: Page, name: string | RegExp) {
  const dialog = page.getByRole('dialog', { name })
  await dialog.waitFor()
  return dialog
}

test('an admin signs in, issues a key, sees it work, rotates and revokes it: all through the web UI', CHROMIUM, async (t) => {
  const chromiumPath = serviceUrl('CHROMIUM_PATH')

  const { base } = await startGateway(t)
  const context = await launchBrowser(t, chromiumPath)
  const page = await context.newPage()
  const errors = consoleErrors(page)

  // sign-in: a wrong key is refused with a clear message
  await page.goto(`${base}/admin`)
  await page.getByRole('heading', { name: 'Hubgate admin' }).waitFor()
  await screenshot(page, '01-sign-in')
  await page.getByLabel('Admin access key').fill('hgk_not-a-real-key-000000000000000000000000')
  await page.getByRole('button', { name: 'Sign in' }).click()
  const refused = page.getByRole('alert')
  await refused.waitFor()
  t.match(await refused.textContent(), /not accepted/, 'a wrong key gets a clear error')
  await screenshot(page, '02-sign-in-wrong-key')

  await signIn(page, ADMIN_KEY)
  await page.getByRole('heading', { name: 'Access keys', level: 1 }).waitFor()
  t.equal(await page.evaluate(() => sessionStorage.length), 1, 'the key is kept in this tab\'s sessionStorage')
  t.equal(new URL(page.url()).pathname, '/admin/keys')

  // create: name, scopes, models, expiry; the secret is shown once
  await page.getByRole('button', { name: 'New access key' }).click()
  const form = await dialogNamed(page, 'New access key')
  await form.getByLabel('Name').fill('ci pipeline')
  for (const scope of ['chat', 'embeddings', 'images', 'admin']) {
    await form.getByRole('checkbox', { name: new RegExp(`^${scope}`) }).setChecked(KEY_USE.scopes.includes(scope))
  }
  await form.getByLabel('Allowed models').fill('openai/*, anthropic/claude-3-5-haiku')
  await form.getByLabel('Expires (optional)').fill('2999-12-31T23:30')
  await screenshot(page, '03-create-key-form')
  await form.getByRole('button', { name: 'Create key' }).click()

  const reveal = await dialogNamed(page, 'Access key created')
  t.match(await reveal.textContent(), /will not be shown again/)
  const secret = await reveal.getByLabel('Access key secret').inputValue()
  t.match(secret, /^hgk_[A-Za-z0-9_-]{40,}$/, 'the page shows the full secret')
  await reveal.getByRole('button', { name: 'Copy' }).click()
  await reveal.getByRole('status').filter({ hasText: /Copied|Selected/ }).waitFor()
  await screenshot(page, '04-secret-shown-once')
  await reveal.getByRole('button', { name: 'I have stored it' }).click()

  const row = page.getByRole('row', { name: /ci pipeline/ })
  t.match(await row.textContent(), /openai\/\*, anthropic\/claude-3-5-haiku/)
  t.match(await row.textContent(), /active/)
  const firstCall = await KEY_USE.call(base, secret)
  t.equal(firstCall.status, 200, 'the new key works')
  t.match(await firstCall.json(), { choices: [{ message: { content: ANSWER } }] })
  await screenshot(page, '05-keys-list')

  // edit: rename
  await page.getByRole('button', { name: 'Edit ci pipeline' }).click()
  const edit = await dialogNamed(page, /Edit access key/)
  await edit.getByLabel('Name').fill('ci pipeline (prod)')
  await edit.getByRole('button', { name: 'Save changes' }).click()
  await page.getByRole('row', { name: /ci pipeline \(prod\)/ }).waitFor()

  // rotate: a new secret, the old one stops at once
  await page.getByRole('button', { name: 'Rotate ci pipeline (prod)' }).click()
  await (await dialogNamed(page, /Rotate/)).getByRole('button', { name: 'Rotate key' }).click()
  const rotated = await dialogNamed(page, 'New secret issued')
  const newSecret = await rotated.getByLabel('Access key secret').inputValue()
  await rotated.getByRole('button', { name: 'I have stored it' }).click()
  t.not(newSecret, secret)
  t.equal((await KEY_USE.call(base, secret)).status, 401, 'the old secret stopped at once')
  t.equal((await KEY_USE.call(base, newSecret)).status, 200, 'the new secret works')

  // revoke (with confirmation): the same call gets the standard 401
  await page.getByRole('button', { name: 'Revoke ci pipeline (prod)' }).click()
  const confirm = await dialogNamed(page, /Revoke/)
  await screenshot(page, '06-revoke-confirmation')
  await confirm.getByRole('button', { name: 'Revoke key' }).click()
  await page.getByRole('status').filter({ hasText: 'Revoked key' }).waitFor()
  // the notice comes first and the list reloads after it: wait for the row to show the new state
  const revokedRow = page.getByRole('row', { name: /ci pipeline \(prod\)/ }).filter({ hasText: 'revoked' })
  await revokedRow.waitFor()
  t.match(await revokedRow.textContent(), /revoked/)
  const afterRevoke = await KEY_USE.call(base, newSecret)
  t.equal(afterRevoke.status, 401)
  t.same(await afterRevoke.json(), UNAUTHORIZED, 'the standard 401 body')

  // audit log lists what just happened
  await page.getByRole('navigation', { name: 'Admin sections' }).getByRole('link', { name: 'Audit log' }).click()
  await page.getByRole('heading', { name: 'Audit log', level: 1 }).waitFor()
  const audit = page.getByRole('table', { name: 'Audit log' })
  for (const action of ['access_key.created', 'access_key.updated', 'access_key.rotated', 'access_key.revoked']) {
    t.equal(await audit.getByRole('cell', { name: action, exact: true }).count(), 1, `audit shows ${action}`)
  }
  await screenshot(page, '07-audit-log')

  // the sections still to come are in the navigation already
  // usage: the two answered chat calls above, metered
  await page.getByRole('link', { name: 'Usage' }).click()
  const byModel = page.getByRole('table', { name: 'Usage by model' })
  await byModel.waitFor()
  const cells = await byModel.getByRole('row', { name: new RegExp(MODEL) }).getByRole('cell').allTextContents()
  // the row header (the model) is a th, so cell i is under column header i + 1
  const headers = (await byModel.getByRole('columnheader').allTextContents()).slice(1)
  const column = (name: string): string | undefined => cells[headers.indexOf(name)]
  // requests, errors, prompt and completion tokens: the mock reports 9 + 12 tokens per answer
  t.same(['Requests', 'Errors', 'Prompt tokens', 'Completion tokens'].map(column), ['2', '0', '18', '24'], 'the two answered calls, metered')
  await page.getByRole('figure').waitFor()
  await screenshot(page, '08-usage-metered')
  await page.getByRole('link', { name: 'Providers' }).click()
  await page.getByRole('heading', { name: 'Providers', level: 1 }).waitFor()
  await page.getByRole('link', { name: 'Models & rates' }).click()
  await page.getByRole('heading', { name: 'Models & rates', level: 1 }).waitFor()

  // a reload keeps the session (same tab); signing out forgets the key
  await page.reload()
  await page.getByRole('heading', { name: 'Models & rates', level: 1 }).waitFor()
  await page.getByRole('button', { name: 'Sign out' }).click()
  await page.getByLabel('Admin access key').waitFor()
  t.equal(await page.evaluate(() => sessionStorage.length), 0, 'sign-out clears sessionStorage')

  t.same(errors.filter((e) => /Content.Security.Policy/i.test(e)), [], 'no CSP violations on the admin pages')
})

test('the playground streams a model\'s answer, and says so clearly when the key lacks the chat scope', CHROMIUM, async (t) => {
  const { app, base } = await startGateway(t)
  const adminOnly = await issueKey(app, { name: 'admin only', scopes: ['admin'] })
  const page = await (await launchBrowser(t, serviceUrl('CHROMIUM_PATH'))).newPage()
  await page.goto(`${base}/admin/playground`)
  await signIn(page, ADMIN_KEY)
  await page.getByRole('heading', { name: 'Playground', level: 1 }).waitFor() // a deep link survives signing in

  // nothing metered yet on this fresh gateway
  await page.getByRole('link', { name: 'Usage' }).click()
  await page.getByRole('heading', { name: 'No usage recorded yet' }).waitFor()
  await screenshot(page, '08-usage-empty')
  await page.getByRole('link', { name: 'Playground' }).click()

  const model = page.getByLabel('Model', { exact: true })
  await model.locator(`option[value="${MODEL}"]`).waitFor({ state: 'attached' })
  await model.selectOption(MODEL)
  await page.getByLabel('Message').fill('Say hello')
  await page.getByRole('button', { name: 'Send' }).click()
  const conversation = page.getByRole('region', { name: 'Conversation' })
  await conversation.getByText(ANSWER).waitFor()
  t.match(await conversation.textContent(), /You\s*Say hello\s*Assistant\s*Hello from the mock provider/)
  await screenshot(page, '10-playground')

  await page.getByLabel('Access key for the playground').fill(adminOnly.key)
  await page.getByText('No models are listed for this key').waitFor()
  await model.fill(MODEL)
  await page.getByLabel('Message').fill('Hello again')
  await page.getByRole('button', { name: 'Send' }).click()
  const refused = page.getByRole('alert')
  await refused.waitFor()
  t.match(await refused.textContent(), /needs a key with the chat scope/, 'a key without chat gets a clear message')
  t.equal(await page.getByLabel('Message').inputValue(), 'Hello again', 'the unanswered message is back in the box')
  await screenshot(page, '11-playground-without-chat-scope')
})

test('Swagger UI at /docs renders under the helmet CSP', CHROMIUM, async (t) => {
  const chromiumPath = serviceUrl('CHROMIUM_PATH')
  const app = await build(t)
  await app.listen({ host: '127.0.0.1', port: 0 })
  const page = await (await launchBrowser(t, chromiumPath)).newPage()
  const errors = consoleErrors(page)
  await page.goto(`http://127.0.0.1:${(app.server.address() as AddressInfo).port}/docs/`)
  await page.getByRole('heading', { name: /Hubgate/ }).first().waitFor()
  await page.getByText('/api/admin/access-keys').first().waitFor()
  await screenshot(page, '09-docs')
  t.same(errors.filter((e) => /Content.Security.Policy/i.test(e)), [], 'no CSP violations on /docs')
})
