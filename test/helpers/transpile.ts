import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import ts from 'typescript'
import { REPO_ROOT, SOURCE_CONDITION, runFile, type Finished } from './run-ts.js'
import { tempDir, type TestContext } from './build.js'

const LOCAL_IMPORT = /(?:from\s+|import\s*\(\s*)['"]((?:\.{1,2}\/|#)[^'"]+\.js)['"]/g

/** package.json's subpath imports (`#keys/*` …), each mapped to its source path (named .js, as in the specifiers). */
function sourceImports (): Record<string, string> {
  const { imports = {} } = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { imports?: Record<string, Record<string, string>> }
  return Object.fromEntries(Object.entries(imports).map(([name, targets]) => [name, (targets[SOURCE_CONDITION] as string).replace(/\.ts$/, '.js')]))
}

/** The source file a relative or `#` import of `file` names. */
function sourceOf (file: string, specifier: string, imports: Record<string, string>): string {
  if (!specifier.startsWith('#')) return resolve(dirname(file), specifier.replace(/\.js$/, '.ts'))
  const exact = imports[specifier]
  const pattern = Object.keys(imports).filter((name) => name.endsWith('*') && specifier.startsWith(name.slice(0, -1)))
    .sort((a, b) => b.length - a.length)[0]
  const target = exact ?? imports[pattern ?? '']?.replace('*', specifier.slice((pattern ?? '').length - 1))
  if (target === undefined) throw new Error(`${relative(REPO_ROOT, file)}: ${specifier} is not in package.json's imports`)
  return resolve(REPO_ROOT, target.replace(/\.js$/, '.ts'))
}

/**
 * Builds `entry` and every module it reaches through relative and `#` imports into a temp dir, the way
 * `npm run build` lays out dist/ but without type checking (other work in progress must not break
 * it) and in a fraction of the time. Packages resolve from the repo's node_modules; `#` imports through
 * a package.json that maps them to the built files.
 * Returns the path of the built entry.
 */
export function transpileEntry (t: TestContext, entry: string): string {
  const out = tempDir(t, 'hubgate-build-')
  const imports = sourceImports()
  writeFileSync(join(out, 'package.json'), JSON.stringify({ type: 'module', imports }))
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(out, 'node_modules'), 'dir')
  const pending = [resolve(REPO_ROOT, entry)]
  const done = new Set<string>()
  while (pending.length > 0) {
    const file = pending.pop() as string
    if (done.has(file)) continue
    done.add(file)
    const source = readFileSync(file, 'utf8')
    for (const [, specifier] of source.matchAll(LOCAL_IMPORT)) pending.push(sourceOf(file, specifier ?? '', imports))
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
