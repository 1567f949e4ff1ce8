import type { AddressInfo } from 'node:net'
import { test } from 'tap'
import { bearer, build } from '../helpers/build.js'
import { needs, serviceUrl } from '../helpers/services.js'
import { buildUi, launchBrowser, screenshot } from './browser.js'
import { oidcEnv, startIdp } from './idp.js'

test('single sign-on in the browser: an allowed admin lands signed in, anyone else reads why not', needs('CHROMIUM_PATH', 'Chromium'), async (t) => {
  const idp = await startIdp(t, { email: 'alice@example.com', email_verified: true, name: 'Alice Admin' })
  const app = await build(t, { ADMIN_UI_DIR: await buildUi(), ...oidcEnv(idp, { OIDC_ALLOWED_DOMAINS: 'example.com' }) })
  await app.listen({ host: '127.0.0.1', port: 0 })
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
  const page = await (await launchBrowser(t, serviceUrl('CHROMIUM_PATH'))).newPage()

  await page.goto(`${base}/admin`)
  const ssoLink = page.getByRole('link', { name: 'Sign in with single sign-on' })
  await ssoLink.waitFor()
  await screenshot(page, 'sso-01-sign-in')
  await ssoLink.click()
  await page.getByRole('heading', { name: 'Access keys', level: 1 }).waitFor()
  t.equal(new URL(page.url()).hash, '', 'the session token does not stay in the address bar')
  const [token] = await page.evaluate(() => Object.values(sessionStorage))
  t.match(token, /^hgs_/, 'the session token is kept in this tab only')
  t.ok(await page.getByRole('row', { name: /Bootstrap admin/ }).isVisible(), 'the session reads the admin API')
  await screenshot(page, 'sso-02-signed-in')

  await page.getByRole('button', { name: 'Sign out' }).click()
  await ssoLink.waitFor()
  const after = await app.inject({ url: '/api/admin/access-keys', headers: bearer(token ?? '') })
  t.equal(after.statusCode, 401, 'signing out ended the session on the gateway, not only in the tab')
  idp.claims = { email: 'mallory@elsewhere.example', email_verified: true }
  await ssoLink.click()
  const notice = page.getByRole('alert').filter({ hasText: 'not allowed' })
  await notice.waitFor()
  t.match(await notice.textContent(), /not allowed to administer this gateway/)
  t.equal(await page.evaluate(() => sessionStorage.length), 0, 'no session for a refused account')
  await screenshot(page, 'sso-03-not-allowed')
})
