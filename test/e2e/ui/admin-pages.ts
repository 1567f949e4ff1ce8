import type { AddressInfo } from 'node:net'
import type { Page } from 'playwright-core'
import { ADMIN_KEY, build, type TestContext } from '../../helpers/build.js'
import { buildUi, launchBrowser } from './browser.js'

/** A listening gateway serving a fresh UI build, and a browser page signed in to its admin UI at `path`. */
export async function signedInAdmin (t: TestContext, chromiumPath: string, path: string, env: Record<string, string> = {}) {
  const app = await build(t, { ADMIN_UI_DIR: await buildUi(), ...env })
  await app.listen({ host: '127.0.0.1', port: 0 })
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
  const page = await (await launchBrowser(t, chromiumPath)).newPage()
  await page.goto(`${base}/admin${path}`)
  await signIn(page, ADMIN_KEY)
  return { app, base, page }
}

export async function signIn (page: Page, key: string): Promise<void> {
  await page.getByLabel('Admin access key').fill(key)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.getByRole('button', { name: 'Sign out' }).waitFor()
}

/** The open dialog with this accessible name, once it is shown. */
export async function dialogNamed (page: Page, name: string | RegExp) {
  const dialog = page.getByRole('dialog', { name })
  await dialog.waitFor()
  return dialog
}
