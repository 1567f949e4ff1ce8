import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { basename, dirname, join, relative } from 'node:path'

/** The admin UI's inputs (ui/) and the file its build writes last into dist/ui. */
const UI_SOURCES = ['ui/src', 'ui/index.html', 'ui/vite.config.ts']
const UI_OUTPUT = 'ui/index.html'

/** Every file under `path` (or `path` itself) that `keep` accepts; a missing path has none. */
function filesUnder (path: string, keep: (name: string) => boolean): string[] {
  if (!existsSync(path)) return []
  if (!statSync(path).isDirectory()) return keep(path) ? [path] : []
  return readdirSync(path, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && keep(entry.name))
    .map((entry) => join(entry.parentPath, entry.name))
}

/** The TypeScript sources `npm run build` compiles: tsconfig.build.json's include ("*.ts", "folder/**\/*.ts"). */
function compiledSources (root: string): string[] {
  const { include = [] } = JSON.parse(readFileSync(join(root, 'tsconfig.build.json'), 'utf8')) as { include?: string[] }
  const isSource = (name: string): boolean => name.endsWith('.ts') && !name.endsWith('.d.ts')
  return include.flatMap((pattern) => pattern === '*.ts'
    ? readdirSync(root).filter(isSource).map((name) => join(root, name))
    : filesUnder(join(root, pattern.replace(/\/\*\*\/\*\.ts$/, '')), isSource))
}

const mtime = (file: string): number => statSync(file).mtimeMs

/**
 * Why the compiled gateway in `distDir` would not be the code in its checkout, or undefined when it is current or
 * there are no sources beside it (the image ships dist/ alone). Each source is compared with its own output, so
 * `tsc --watch` (npm run dev) keeps dist/ current file by file; the admin UI's newest input with its built page.
 * Costs a stat per file (~200 files, a few ms).
 */
export function staleBuildProblem (distDir: string): string | undefined {
  const root = dirname(distDir)
  if (basename(distDir) !== 'dist' || !existsSync(join(root, 'tsconfig.build.json'))) return undefined
  for (const source of compiledSources(root)) {
    const output = statSync(join(distDir, relative(root, source)).replace(/\.ts$/, '.js'), { throwIfNoEntry: false })
    if (output === undefined) return `${relative(root, source)} has never been built`
    if (mtime(source) > output.mtimeMs) return `${relative(root, source)} changed after the last build`
  }
  const uiSources = UI_SOURCES.flatMap((path) => filesUnder(join(root, path), () => true))
  if (uiSources.length === 0) return undefined
  const page = join(distDir, UI_OUTPUT)
  if (!existsSync(page)) return 'the admin UI has never been built'
  const changed = uiSources.find((file) => mtime(file) > mtime(page))
  return changed === undefined ? undefined : `${relative(root, changed)} changed after the last build`
}

/** The one line `npm start` prints before refusing to serve stale code. */
export function staleBuildMessage (problem: string): string {
  return `hubgate: dist/ is out of date (${problem}): run \`npm run build\`, or \`npm run dev\` to rebuild on every change`
}
