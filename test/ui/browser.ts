import { execFile } from 'node:child_process'
import { existsSync, mkdirSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { chromium, type BrowserContext, type Page } from 'playwright-core'
import { tempDir, type TestContext } from '../helpers/build.js'

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')
export const ARTIFACTS = join(repo, 'test-artifacts', 'ui')

/**
 * Builds the admin UI with Vite into a fresh directory (served through ADMIN_UI_DIR), so the test sees
 * the current sources whatever state dist/ui is in, and never races a developer's own build.
 */
export async function buildUi (t: TestContext): Promise<string> {
  const vite = join(repo, 'ui', 'node_modules', 'vite', 'bin', 'vite.js')
  if (!existsSync(vite)) throw new Error('ui/node_modules is missing: run "npm install" (its postinstall installs the UI package)')
  const outDir = tempDir(t, 'hubgate-ui-build-')
  await promisify(execFile)(process.execPath, [vite, 'build', '--config', join(repo, 'ui', 'vite.config.ts'), '--outDir', outDir, '--emptyOutDir', '--logLevel', 'warn'], {
    cwd: join(repo, 'ui'), timeout: 120_000
  })
  return outDir
}

/** Headless Debian Chromium with a throwaway profile; closed on teardown. */
export async function launchBrowser (t: TestContext, executablePath: string): Promise<BrowserContext> {
  const context = await chromium.launchPersistentContext(tempDir(t, 'hubgate-chromium-'), {
    executablePath,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1280, height: 860 }
  })
  t.teardown(async () => { await context.close() })
  return context
}

/** Collects what the page reports as errors (CSP violations show up here), to assert there are none. */
export function consoleErrors (page: Page): string[] {
  const errors: string[] = []
  page.on('console', (message) => { if (message.type() === 'error') errors.push(message.text()) })
  page.on('pageerror', (err) => { errors.push(err.message) })
  return errors
}

export async function screenshot (page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true })
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true })
}
