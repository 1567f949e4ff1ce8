import { readdirSync, rmSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { REQUIRE_BANNER, realDirname, undiciParts } from './bundle-plugins.js'

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
 * SSO, OpenTelemetry's SDK) or the first call that needs it (the price list): they stay out of the start-up bundle
 * and load from node_modules when needed.
 */
const EXTERNAL = [
  'better-sqlite3', 'pino-pretty', 'pg', 'pg-native', 'ioredis', 'openid-client',
  // the price list's data, required by the first price lookup (catalog/price-package.ts)
  '@pydantic/genai-prices',
  '@opentelemetry/context-async-hooks', '@opentelemetry/sdk-trace-node', '@opentelemetry/exporter-trace-otlp-http',
  '@opentelemetry/resources', '@opentelemetry/semantic-conventions', '@fastify/otel'
]

/** Every TypeScript file under `folder`: what autoload would load from its compiled twin. */
function sourcesUnder (folder: string): string[] {
  return readdirSync(join(root, folder), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts'))
    .map((entry) => join(entry.parentPath, entry.name))
}

/**
 * A previous bundle's chunks: shared code (chunk-HASH.js) and what is imported on first use (signing-HASH.js, the AWS
 * libraries); their names change with their content, so they would pile up.
 */
function removeOldChunks (): void {
  for (const name of readdirSync(dist)) {
    if (/^[A-Za-z0-9_-]+-[A-Z0-9]{8}\.js(\.map)?$/.test(name)) rmSync(join(dist, name))
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
  plugins: [realDirname(), undiciParts(root)],
  // maps for `node --enable-source-maps`, pointing at the sources without carrying them (the image ships no source)
  sourcemap: 'linked',
  sourcesContent: false,
  logLevel: 'warning'
})
