import { test } from 'tap'
import { ADMIN_KEY, bearer } from '../../helpers/build.js'
import { needs, serviceUrl } from '../../helpers/services.js'
import { buildUi, consoleErrors, launchBrowser, screenshot } from './browser.js'
import { signedInAdmin } from './admin-pages.js'
import { listeningGateway, oidcEnv, startIdp } from '../../helpers/idp.js'

test('single sign-on in the browser: an allowed admin lands signed in, anyone else reads why not', needs('CHROMIUM_PATH', 'Chromium'), async (t) => {
  const idp = await startIdp(t, { email: 'alice@example.com', email_verified: true, name: 'Alice Admin' })
  const { app, base } = await listeningGateway(t, { ADMIN_UI_DIR: await buildUi(), ...oidcEnv(idp, { OIDC_ALLOWED_DOMAINS: 'example.com' }) })
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

test('the sessions page lists who is signed in and ends one session or all of them', needs('CHROMIUM_PATH', 'Chromium'), async (t) => {
  const idp = await startIdp(t, { email: 'alice@example.com', email_verified: true, name: 'Alice Admin' })
  const { app, base } = await listeningGateway(t, { ADMIN_UI_DIR: await buildUi(), ...oidcEnv(idp, { OIDC_ALLOWED_DOMAINS: 'example.com' }) })
  const bob = await app.adminSessions.issue({ subject: `${idp.issuer} bob`, email: 'bob@example.com', name: 'Bob Builder' })
  const bobsKey = await app.inject({ method: 'POST', url: '/api/admin/access-keys', headers: bearer(bob.token), payload: { name: 'made by bob' } })
  const page = await (await launchBrowser(t, serviceUrl('CHROMIUM_PATH'))).newPage()
  const errors = consoleErrors(page)

  await page.goto(`${base}/admin`)
  await page.getByRole('link', { name: 'Sign in with single sign-on' }).click()
  await page.getByRole('heading', { name: 'Access keys', level: 1 }).waitFor()
  await page.getByRole('link', { name: 'Admin sessions' }).click()
  await page.getByRole('heading', { name: 'Admin sessions', level: 1 }).waitFor()
  const aliceRow = page.getByRole('row', { name: /Alice Admin/ })
  await aliceRow.waitFor()
  t.match(await aliceRow.textContent(), /you/, 'the session this tab uses is marked')
  t.ok(await page.getByRole('row', { name: /Bob Builder/ }).isVisible(), 'another admin\'s session is listed')
  await screenshot(page, 'sessions-01-list')

  await page.getByRole('button', { name: 'End the session of Bob Builder' }).click()
  const endBob = page.getByRole('dialog', { name: 'End the session of Bob Builder?' })
  const revokeChoice = endBob.getByRole('checkbox', { name: 'Also revoke the access key issued in this session' })
  t.notOk(await revokeChoice.isChecked(), 'the dialog asks whether to revoke the key Bob issued')
  await revokeChoice.check()
  await endBob.getByRole('button', { name: 'End session' }).click()
  await page.getByRole('status').filter({ hasText: 'Ended the session of Bob Builder and revoked the access key it issued.' }).waitFor()
  const keyAfter = await app.inject({ url: `/api/admin/access-keys/${bobsKey.json<{ id: string }>().id}`, headers: bearer(ADMIN_KEY) })
  t.equal(keyAfter.json().status, 'revoked', 'the key Bob issued is revoked with his session')
  // the status line can show before the list has reloaded: wait for the row to go, then check it is gone
  await page.getByRole('row', { name: /Bob Builder/ }).waitFor({ state: 'detached' })
  t.equal(await page.getByRole('row', { name: /Bob Builder/ }).count(), 0, 'the ended session leaves the list')
  const bobAfter = await app.inject({ url: '/api/admin/access-keys', headers: bearer(bob.token) })
  t.equal(bobAfter.statusCode, 401, 'the ended session is refused by the gateway')

  await page.getByRole('button', { name: 'End all sessions' }).click()
  const endAll = page.getByRole('dialog', { name: 'End every admin session?' })
  t.match(await endAll.textContent(), /you will be signed out/, 'the dialog warns that the admin\'s own session ends too')
  await endAll.getByRole('button', { name: 'End all sessions' }).click()
  await page.getByText('You ended every session, yours too.').waitFor()
  // the notice can render before the sign-in page replaces the app: wait for the link, then check it
  await page.getByRole('link', { name: 'Sign in with single sign-on' }).waitFor()
  t.ok(await page.getByRole('link', { name: 'Sign in with single sign-on' }).isVisible(), 'back on the sign-in page')
  const live = await app.inject({ url: '/api/admin/sessions', headers: bearer(ADMIN_KEY) })
  t.same(live.json(), { items: [] }, 'no session is left')
  await screenshot(page, 'sessions-02-all-ended')
  t.same(errors, [], 'no console errors')
})

test('a #sso= link the page did not start itself is ignored: nobody is signed in with a planted session', needs('CHROMIUM_PATH', 'Chromium'), async (t) => {
  const idp = await startIdp(t, { email: 'alice@example.com', email_verified: true })
  const { app, base } = await listeningGateway(t, { ADMIN_UI_DIR: await buildUi(), ...oidcEnv(idp, { OIDC_ALLOWED_DOMAINS: 'example.com' }) })
  // a valid session of the attacker's own, handed to the admin in a link
  const planted = await app.adminSessions.issue({ subject: `${idp.issuer} mallory`, email: 'mallory@example.com' })
  const page = await (await launchBrowser(t, serviceUrl('CHROMIUM_PATH'))).newPage()
  for (const fragment of [`sso=${planted.token}`, `sso=${planted.token}&nonce=guessed-nonce-0123456789`]) {
    await page.goto('about:blank') // a fresh load each time, not a same-document hash change
    await page.goto(`${base}/admin/#${fragment}`)
    await page.getByLabel('Admin access key').waitFor()
    t.equal(new URL(page.url()).hash, '', 'the fragment is cleared')
    t.equal(await page.evaluate(() => sessionStorage.length), 0, 'and its token not kept')
    t.equal(await page.getByRole('button', { name: 'Sign out' }).count(), 0, 'the page is not signed in')
  }
  await page.getByRole('link', { name: 'Sign in with single sign-on' }).click()
  await page.getByRole('heading', { name: 'Access keys', level: 1 }).waitFor()
  t.pass('a sign-in the page started itself still lands signed in')
})

test('the sessions page says when single sign-on is off', needs('CHROMIUM_PATH', 'Chromium'), async (t) => {
  const { page } = await signedInAdmin(t, serviceUrl('CHROMIUM_PATH'), '/sessions')
  await page.getByRole('heading', { name: 'Single sign-on is off' }).waitFor()
  t.match(await page.getByRole('main').textContent(), /OIDC_ISSUER/, 'it names the settings that turn it on')
  t.equal(await page.getByRole('button', { name: 'End all sessions' }).count(), 0, 'nothing to end')
})
