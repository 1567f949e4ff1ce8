import { execFile } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { chromium, type BrowserContext, type Page } from 'playwright-core'
import { tempDir, type TestContext } from '../../helpers/build.js'
import { REPO_ROOT } from '../../helpers/run-ts.js'

const repo = REPO_ROOT
export const ARTIFACTS = join(repo, 'test-artifacts', 'ui')

/** Hash of everything the UI build reads, so a cached build is reused only while the sources are unchanged. */
function sourceHash (): string {
  const hash = createHash('sha256')
  const ui = join(repo, 'ui')
  const files = ['index.html', 'vite.config.ts', 'package-lock.json', ...readdirSync(join(ui, 'src'), { recursive: true, encoding: 'utf8' }).map((f) => join('src', f))]
  for (const file of files.sort()) {
    const path = join(ui, file)
    if (statSync(path).isFile()) hash.update(file).update(readFileSync(path))
  }
  return hash.digest('hex').slice(0, 16)
}

/**
 * The admin UI built with Vite from the current sources, served through ADMIN_UI_DIR: never a stale
 * dist/ui, never racing a developer's own build. Test files share one build per source state (built
 * aside, then renamed into place) so parallel test files do not each pay for it.
 */
export async function buildUi (): Promise<string> {
  const vite = join(repo, 'ui', 'node_modules', 'vite', 'bin', 'vite.js')
  if (!existsSync(vite)) throw new Error('ui/node_modules is missing: run "npm install" (its postinstall installs the UI package)')
  const dir = join(repo, 'test-artifacts', 'ui-build', sourceHash())
  if (existsSync(join(dir, 'index.html'))) return dir
  const scratch = `${dir}.${process.pid}-${randomBytes(4).toString('hex')}`
  await promisify(execFile)(process.execPath, [vite, 'build', '--config', join(repo, 'ui', 'vite.config.ts'), '--outDir', scratch, '--emptyOutDir', '--logLevel', 'warn'], {
    cwd: join(repo, 'ui'), timeout: 120_000
  })
  try {
    renameSync(scratch, dir)
  } catch {
    // another test file finished the same build first; its copy is identical
    rmSync(scratch, { recursive: true, force: true })
  }
  return dir
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
