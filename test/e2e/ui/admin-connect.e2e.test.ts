import { test } from 'tap'
import { adminCall, bearer } from '../../helpers/build.js'
import { collect, openSession, SESSION_PATH } from '../../helpers/connect.js'
import { needs, serviceUrl } from '../../helpers/services.js'
import { signedInAdmin } from './admin-pages.js'
import { buildUi, consoleErrors, launchBrowser, screenshot } from './browser.js'
import { listeningGateway, oidcEnv, startIdp } from '../../helpers/idp.js'

/** The page address `aigne hub connect` opens for session `sid`, as @aigne/cli 1.59 builds it. */
function cliPage (base: string, sid: string): string {
  const query = new URLSearchParams({
    __token__: Buffer.from(sid).toString('base64url'), source: '@aigne/cli connect to AIGNE hub', closeOnSuccess: 'true', cli: 'true',
    appName: ' AIGNE CLI', appLogo: 'https://www.aigne.io/favicon.ico?imageFilter=resize&w=32'
  })
  return `${base}/.well-known/service/gen-simple-access-key?${query.toString()}`
}

test('an admin approves and denies `aigne hub connect` requests on the approval page', needs('CHROMIUM_PATH', 'Chromium'), async (t) => {
  const { app, base, page } = await signedInAdmin(t, serviceUrl('CHROMIUM_PATH'), '/keys', { CONNECT_KEY_CREDIT_LIMIT: '50' })
  const errors = consoleErrors(page)

  const sid = await openSession(app)
  await page.goto(cliPage(base, sid))
  await page.getByRole('heading', { name: 'Connect an app' }).waitFor()
  const request = page.getByRole('region', { name: 'The request' })
  await request.getByText('asks for an access key').waitFor()
  t.match(await request.textContent(), /AIGNE CLI asks for an access key to this gateway \(@aigne\/cli connect to AIGNE hub\)/)
  t.match(await request.textContent(), /Its logo is at www\.aigne\.io \(not loaded/, 'a third-party logo is named, never fetched')
  const form = page.getByRole('form', { name: 'The new key' })
  t.equal(await form.getByLabel('Credit limit', { exact: true }).inputValue(), '50', 'the limits start from CONNECT_KEY_*')
  t.equal(await form.getByRole('checkbox', { name: 'admin' }).count(), 0, 'the admin scope is not offered')
  await form.getByRole('checkbox', { name: 'images' }).uncheck()
  await form.getByLabel('Credit limit', { exact: true }).fill('7')
  await form.getByLabel('Requests per minute').fill('20')
  await screenshot(page, 'connect-01-request')
  await form.getByRole('button', { name: 'Approve' }).click()
  await page.getByRole('status').filter({ hasText: 'Approved: key “AIGNE CLI” created' }).waitFor()
  await screenshot(page, 'connect-02-approved')

  const { keyId, secret } = await collect(app, sid)
  const key = (await adminCall(app, { url: `/api/admin/access-keys/${keyId}` })).json()
  t.match(key, { name: 'AIGNE CLI', scopes: ['chat', 'embeddings'], models: ['*'], creditLimit: 7, creditPeriod: 'month', rpm: 20, createdBy: 'access-key:bootstrap-admin' })
  t.equal((await app.inject({ url: '/api/user/info', headers: bearer(secret) })).json<{ user: { did: string } }>().user.did, keyId, 'the CLI\'s key works')

  const denied = await openSession(app)
  await page.goto(cliPage(base, denied))
  await page.getByRole('button', { name: 'Deny' }).click()
  await page.getByRole('status').filter({ hasText: 'Denied. AIGNE CLI gets no key.' }).waitFor()
  t.equal((await app.inject({ url: `${SESSION_PATH}?sid=${denied}` })).statusCode, 403, 'the waiting CLI hears it was denied')

  await page.goto(cliPage(base, denied))
  await page.getByRole('status').filter({ hasText: 'This request was already denied.' }).waitFor()
  await page.goto(`${base}/admin/connect?__token__=bm9wZQ`)
  t.match(await page.getByRole('alert').textContent(), /carries no connection request/)
  t.same(errors, [], 'no console errors (nothing blocked by the page policy)')
})

test('an admin who signs in with single sign-on from the approval page comes back to it', needs('CHROMIUM_PATH', 'Chromium'), async (t) => {
  const idp = await startIdp(t, { email: 'alice@example.com', email_verified: true, name: 'Alice Admin' })
  const { app, base } = await listeningGateway(t, { ADMIN_UI_DIR: await buildUi(), ...oidcEnv(idp, { OIDC_ALLOWED_DOMAINS: 'example.com' }) })
  const page = await (await launchBrowser(t, serviceUrl('CHROMIUM_PATH'))).newPage()
  const sid = await openSession(app)

  await page.goto(cliPage(base, sid))
  await page.getByRole('link', { name: 'Sign in with single sign-on' }).click()
  await page.getByRole('heading', { name: 'Connect an app' }).waitFor()
  t.match(await page.getByRole('region', { name: 'The request' }).textContent(), /AIGNE CLI asks for an access key/, 'the request is on screen again')
  t.equal(new URL(page.url()).hash, '', 'the session token does not stay in the address bar')
  await page.getByRole('form', { name: 'The new key' }).getByRole('button', { name: 'Approve' }).click()
  await page.getByRole('status').filter({ hasText: 'Approved: key “AIGNE CLI” created' }).waitFor()
  const { keyId } = await collect(app, sid)
  const key = (await adminCall(app, { url: `/api/admin/access-keys/${keyId}` })).json()
  t.equal(key.createdBy, 'sso:alice@example.com', 'approved by the admin who signed in')
})
