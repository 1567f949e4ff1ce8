import { spawn, type ChildProcess } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..')

/** The package.json "imports" condition that maps `#keys/…` and friends to the TypeScript sources (else: dist/). */
export const SOURCE_CONDITION = 'hubgate-ts'

export interface Finished { code: number | null, stdout: string, stderr: string }

/**
 * Starts a TypeScript entry point (server.ts, cli/keys.ts) as a real child process through tap's
 * TypeScript loader, with only `env` (plus PATH/HOME) so the test's own environment cannot leak in.
 */
export function startTs (entry: string, args: string[], env: Record<string, string>): ChildProcess {
  return start(process.execPath, ['--import', '@tapjs/typescript/import', `--conditions=${SOURCE_CONDITION}`, join(REPO_ROOT, entry), ...args], {
    TS_NODE_TRANSPILE_ONLY: '1',
    FASTIFY_AUTOLOAD_TYPESCRIPT: '1',
    ...env
  })
}

/** Runs an executable file (a built entry with its shebang) with only `env` plus PATH/HOME. */
export async function runFile (file: string, args: string[], env: Record<string, string>, timeoutMs?: number): Promise<Finished> {
  return await finished(start(file, args, env), timeoutMs)
}

function start (command: string, args: string[], env: Record<string, string>): ChildProcess {
  return spawn(command, args, {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
}

/** Waits for `child` to exit (killing it after `timeoutMs`) and collects its output. */
export async function finished (child: ChildProcess, timeoutMs = 30_000): Promise<Finished> {
  let stdout = ''
  let stderr = ''
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk })
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk })
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)))
  clearTimeout(timer)
  return { code, stdout, stderr }
}

export async function runTs (entry: string, args: string[], env: Record<string, string>, timeoutMs?: number): Promise<Finished> {
  return await finished(startTs(entry, args, env), timeoutMs)
}

/** Resolves with the first match of `pattern` in the child's stdout (rejects if it exits first or times out). */
export async function waitForOutput (child: ChildProcess, pattern: RegExp, timeoutMs = 30_000): Promise<RegExpExecArray> {
  return await new Promise((resolve, reject) => {
    let seen = ''
    const timer = setTimeout(() => { cleanup(); reject(new Error(`timed out waiting for ${String(pattern)}; output so far:\n${seen}`)) }, timeoutMs)
    const onData = (chunk: Buffer | string): void => {
      seen += String(chunk)
      const match = pattern.exec(seen)
      if (match !== null) { cleanup(); resolve(match) }
    }
    const onExit = (code: number | null): void => { cleanup(); reject(new Error(`exited with ${String(code)} before ${String(pattern)}; output:\n${seen}`)) }
    const cleanup = (): void => {
      clearTimeout(timer)
      child.stdout?.off('data', onData)
      child.off('exit', onExit)
    }
    child.stdout?.on('data', onData)
    child.on('exit', onExit)
  })
}
