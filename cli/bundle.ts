import { readFileSync, readdirSync, rmSync } from 'node:fs'
import { dirname, join, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build, type Plugin } from 'esbuild'

// `npm run build`, after tsc: the server start-up path bundled into dist/ (issue #26: `npm start` serving within 1 s).
// Unbundled, a start loads ~2000 files (kysely, typebox, undici, ajv, …), and resolving, reading and compiling them one by
// one was most of its CPU time. Each plugin and route file stays its own entry at its tsc path, so @fastify/autoload
// still finds the folders at run time and the sources keep the autoload layout; what they share goes into
// dist/chunk-*.js, beside app.js, so the autoload folders app.ts computes from import.meta.url stay dist/plugins and
// dist/routes. Tests run the TypeScript sources and `npm run dev` (tsc --watch) rewrites every entry unbundled: both
// never see the bundle. esbuild is a dev dependency: this runs where the gateway is built, never in the image.

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const dist = join(root, 'dist')

/**
 * Not bundled: a native addon (better-sqlite3); dev-only pretty logs; and what only a setting loads (Postgres, Redis,
 * SSO, OpenTelemetry's SDK): they stay out of the start-up bundle and load from node_modules, as before, when configured.
 */
const EXTERNAL = [
  'better-sqlite3', 'pino-pretty', 'pg', 'pg-native', 'ioredis', 'openid-client',
  '@opentelemetry/context-async-hooks', '@opentelemetry/sdk-trace-node', '@opentelemetry/exporter-trace-otlp-http',
  '@opentelemetry/resources', '@opentelemetry/semantic-conventions', '@fastify/otel'
]

/** Bundled CommonJS packages call require() for Node built-ins: ES module output needs a real one. */
const REQUIRE_BANNER = "import { createRequire as __hubgateCreateRequire } from 'node:module'; const require = __hubgateCreateRequire(import.meta.url);"

/**
 * Bundled packages that read files beside their own code (swagger-ui serves its page from its static/ folder) keep
 * their real __dirname: the package's folder in node_modules, found at run time, plus the file's place in it.
 */
const FILES_BESIDE_CODE = ['@fastify/swagger-ui']

function realDirname (): Plugin {
  return {
    name: 'real-dirname',
    setup (builder) {
      for (const name of FILES_BESIDE_CODE) {
        const marker = `/node_modules/${name}`
        builder.onLoad({ filter: new RegExp(`${marker.replaceAll('/', '[\\\\/]')}[\\\\/].*\\.js$`) }, (file) => {
          const inPackage = dirname(file.path).split(sep).join('/').split(marker).pop() ?? ''
          const dir = `require('node:path').dirname(require.resolve(${JSON.stringify(`${name}/package.json`)})) + ${JSON.stringify(inPackage)}`
          return { contents: `var __dirname = ${dir};\n${readFileSync(file.path, 'utf8')}`, loader: 'js' }
        })
      }
    }
  }
}

/**
 * The gateway takes only Agent and buildConnector from undici (upstream/http.ts, upstream/address-guard.ts); undici's
 * index also loads its fetch, WebSocket and cookie code, and touching globalThis.Headers there loads Node's own copy of
 * undici: ~100 ms of start-up CPU. The bundle imports the two from their modules; another name taken from 'undici'
 * fails the build ("No matching export"), so this list cannot fall behind the sources silently.
 */
const UNDICI_PARTS = "export { default as Agent } from 'undici/lib/dispatcher/agent.js'\nexport { default as buildConnector } from 'undici/lib/core/connect.js'\n"

function undiciParts (): Plugin {
  return {
    name: 'undici-parts',
    setup (builder) {
      builder.onResolve({ filter: /^undici$/ }, () => ({ path: 'undici-parts', namespace: 'undici-parts' }))
      builder.onLoad({ filter: /.*/, namespace: 'undici-parts' }, () => ({ contents: UNDICI_PARTS, loader: 'js', resolveDir: root }))
    }
  }
}

/** Every TypeScript file under `folder`: what autoload would load from its compiled twin. */
function sourcesUnder (folder: string): string[] {
  return readdirSync(join(root, folder), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts'))
    .map((entry) => join(entry.parentPath, entry.name))
}

/** A previous bundle's shared chunks: their names change with their content, so they would pile up. */
function removeOldChunks (): void {
  for (const name of readdirSync(dist)) {
    if (/^chunk-[A-Z0-9]+\.js(\.map)?$/.test(name)) rmSync(join(dist, name))
  }
}

removeOldChunks()
await build({
  entryPoints: [join(root, 'server.ts'), ...sourcesUnder('plugins'), ...sourcesUnder('routes')],
  outdir: dist,
  outbase: root,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // the `#…` subpath imports lead to the sources (package.json "imports"), as in the tests
  conditions: ['hubgate-ts'],
  tsconfig: join(root, 'tsconfig.build.json'),
  external: EXTERNAL,
  banner: { js: REQUIRE_BANNER },
  plugins: [realDirname(), undiciParts()],
  // maps for `node --enable-source-maps`, pointing at the sources without carrying them (the image ships no source)
  sourcemap: 'linked',
  sourcesContent: false,
  logLevel: 'warning'
})
