import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import ts from 'typescript'
import { REPO_ROOT, runFile, type Finished } from './run-ts.js'
import { tempDir, type TestContext } from './build.js'

const RELATIVE_IMPORT = /(?:from\s+|import\s*\(\s*)['"](\.{1,2}\/[^'"]+)\.js['"]/g

/**
 * Builds `entry` and every module it reaches through relative imports into a temp dir, the way
 * `npm run build` lays out dist/ but without type checking (other work in progress must not break
 * it) and in a fraction of the time. Packages resolve from the repo's node_modules.
 * Returns the path of the built entry.
 */
export function transpileEntry (t: TestContext, entry: string): string {
  const out = tempDir(t, 'hubgate-build-')
  writeFileSync(join(out, 'package.json'), JSON.stringify({ type: 'module' }))
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(out, 'node_modules'), 'dir')
  const pending = [resolve(REPO_ROOT, entry)]
  const done = new Set<string>()
  while (pending.length > 0) {
    const file = pending.pop() as string
    if (done.has(file)) continue
    done.add(file)
    const source = readFileSync(file, 'utf8')
    for (const [, specifier] of source.matchAll(RELATIVE_IMPORT)) pending.push(resolve(dirname(file), `${specifier ?? ''}.ts`))
    const { outputText } = ts.transpileModule(source, {
      fileName: file,
      compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022, esModuleInterop: true }
    })
    const target = join(out, relative(REPO_ROOT, file).replace(/\.ts$/, '.js'))
    mkdirSync(dirname(target), { recursive: true })
    writeFileSync(target, outputText, { mode: 0o755 })
  }
  return join(out, entry.replace(/\.ts$/, '.js'))
}

/** `entry` built once, and a runner executing the result as a real process (through its shebang) with only `env`. */
export function builtEntry (t: TestContext, entry: string): { file: string, run: (env: Record<string, string>, ...args: string[]) => Promise<Finished> } {
  const file = transpileEntry(t, entry)
  return { file, run: async (env, ...args) => await runFile(file, args, env) }
}
