import { spawn } from 'node:child_process'
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { finished, REPO_ROOT, type Finished } from '../../helpers/run-ts.js'
import { eventually } from '../../helpers/wait.js'

const AIGNE = join(REPO_ROOT, 'node_modules', '@aigne', 'cli', 'dist', 'cli.js')

// `aigne hub status` always asks the hub over https: the hub gets a self-signed certificate for 127.0.0.1
export { selfSignedCertificate } from '../../helpers/tls.js'

/**
 * The environment the real CLI runs in: its own HOME (its saved hubs stay in the test's temp dir), the test's CA, and
 * BROWSER pointing at a stub that writes down the page the CLI opens (through `open`'s xdg-open, which honours BROWSER)
 * instead of launching one. No CI / NODE_ENV=test: with those the CLI fakes the connection instead of making it; no
 * DISPLAY / D-Bus, so it keeps its credentials in a file under HOME rather than a system keyring.
 */
export function cliEnvironment (home: string, certFile: string): { env: Record<string, string>, openedPage: () => Promise<URL> } {
  // @aigne/cli 1.59 saves a hub only when ~/.aigne exists already ("File store not available" otherwise)
  mkdirSync(join(home, '.aigne'), { recursive: true })
  const opened = join(home, 'opened-url')
  const browser = join(home, 'browser-stub.sh')
  writeFileSync(browser, `#!/bin/sh\nprintf '%s' "$1" > '${opened}'\n`)
  chmodSync(browser, 0o755)
  // TIMEOUT: the CLI's per-request limit (8 s by default), raised so a loaded CI machine is not mistaken for a dead hub
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, BROWSER: browser, NODE_EXTRA_CA_CERTS: certFile, NO_COLOR: '1', FORCE_COLOR: '0', TIMEOUT: '60000' }
  return {
    env,
    openedPage: async () => {
      if (!await eventually(async () => existsSync(opened) && readFileSync(opened, 'utf8') !== '', 120_000)) throw new Error('the CLI opened no page')
      return new URL(readFileSync(opened, 'utf8'))
    }
  }
}

/** Runs `aigne …` with only `env`, feeding `input` to its prompts, killed after `timeoutMs`. */
export function aigne (args: string[], env: Record<string, string>, options: { cwd?: string, input?: string, timeoutMs?: number } = {}): Promise<Finished> {
  const child = spawn(process.execPath, [AIGNE, ...args], { cwd: options.cwd ?? env.HOME, env, stdio: ['pipe', 'pipe', 'pipe'] })
  if (options.input !== undefined) child.stdin.write(options.input)
  child.stdin.end()
  return finished(child, options.timeoutMs ?? 120_000)
}
