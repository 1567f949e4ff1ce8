import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'

/** Every path under `dir` (relative, '/'-separated) except inside `skip` folders. */
function pathsUnder (dir: string, skip: Set<string>): string[] {
  const found: string[] = []
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (skip.has(entry.name)) continue
    const path = join(dir, entry.name)
    found.push(path)
    if (entry.isDirectory()) found.push(...pathsUnder(path, skip))
  }
  return found
}

export interface ImageContents {
  /** The uid the image's USER maps to in its /etc/passwd (or the USER itself when numeric). */
  uid: number
  /** Packages the lockfile marks dev-only (devDependencies and what only they need) present in the app. */
  devPackages: string[]
  /** Files and folders of the app (node_modules aside) that a production image must not carry. */
  unwanted: string[]
}

/** TypeScript sources, tests, the benchmark, the UI's sources and build configuration. */
const UNWANTED = [/\.ts$/, /\.test\.js$/, /(^|\/)(test|bench|src)(\/|$)/, /(^|\/)tsconfig[^/]*\.json$/, /(^|\/)vite\.config\./, /(^|\/)\.ci(\/|$)/]

/** What the image's root filesystem (mounted at `root`) holds of the app in `workdir`, for the user `user`. */
export function imageContents (root: string, workdir: string, user: string, repoLockfile: string): ImageContents {
  const passwd = readFileSync(join(root, 'etc', 'passwd'), 'utf8').split('\n').map((line) => line.split(':'))
  const name = user.split(':')[0] ?? ''
  const uid = /^\d+$/.test(name) ? Number(name) : Number(passwd.find((fields) => fields[0] === name)?.[2] ?? 0)
  const app = join(root, workdir)
  const { packages = {} } = JSON.parse(readFileSync(repoLockfile, 'utf8')) as { packages?: Record<string, { dev?: boolean }> }
  const devPackages = Object.entries(packages).filter(([path, entry]) => entry.dev === true && existsSync(join(app, path))).map(([path]) => path)
  const unwanted = pathsUnder(app, new Set(['node_modules']))
    .map((path) => relative(app, path))
    .filter((path) => !path.endsWith('.d.ts') && UNWANTED.some((pattern) => pattern.test(path)))
  return { uid, devPackages, unwanted }
}
