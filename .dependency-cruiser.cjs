// The layer rule (issue #22, docs/architecture.md): a folder imports only from folders of a lower layer, and
// from its own. Checked by `npm test` (npm run depcruise); a new violation fails it.
//   schemas, errors.ts ← store ← keys, catalog, upstream ← providers ← gateway ← metering, protocols, admin-sso
//   ← http, plugins ← routes
// config.ts, app.ts, server.ts, cli/, bench/ and test/ compose the layers and sit outside them; config.ts
// (which gathers every folder's settings) may be imported by any layer for its types only.
const LAYERS = [
  ['schemas', 'errors\\.ts'],
  ['store'],
  ['keys', 'catalog', 'upstream'],
  ['providers'],
  ['gateway'],
  ['metering', 'protocols', 'admin-sso'],
  ['http', 'plugins'],
  ['routes']
]

const path = (folder) => folder.endsWith('\\.ts') ? `^${folder}$` : `^${folder}/`
const above = (layer) => LAYERS.slice(layer + 1).flat()

const name = (folder) => folder.replace('\\', '')
const layerRules = LAYERS.flatMap((folders, layer) => folders.map((folder) => {
  const forbidden = [...above(layer), ...folders.filter((f) => f !== folder)]
  return {
    name: `layer-${name(folder).replace('.ts', '')}`,
    comment: `${name(folder)} is in layer ${layer}: it may import lower layers and itself, never ${forbidden.map(name).join(', ')}`,
    severity: 'error',
    from: { path: path(folder) },
    to: { path: forbidden.map(path) }
  }
}).filter((rule) => rule.to.path.length > 0))

module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: 'config-types-only',
      comment: 'Layers read config.ts for its Config type only; the settings flow in from app.ts at construction',
      severity: 'error',
      from: { path: `^(${LAYERS.flat().filter((f) => !f.endsWith('.ts')).join('|')})/` },
      to: { path: '^config\\.ts$', dependencyTypesNot: ['type-only'] }
    },
    {
      name: 'no-async-context',
      comment: 'No AsyncLocalStorage or async hooks in the gateway: in Node 20, once one is used, every promise and tick of the process pays for it (~17 % more instructions per JSON call, measured: docs/benchmark.md). Tracing (plugins/external/otel.ts) brings its own, only when it is on',
      severity: 'error',
      from: {},
      to: { dependencyTypes: ['core'], path: '^(node:)?async_hooks$' }
    },
    {
      name: 'no-circular',
      comment: 'No import cycles (type-only imports aside: they are gone at run time)',
      severity: 'error',
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } }
    },
    {
      name: 'not-to-unresolvable',
      comment: 'Every import resolves (a renamed file left behind would fail here before tsc does)',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true }
    }
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|dist|dist-bench|ui|coverage|test-artifacts|data|\\.tap)/' },
    includeOnly: '^(?!node_modules/)',
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      conditionNames: ['hubgate-ts', 'import', 'types', 'node', 'default'],
      extensions: ['.ts', '.js']
    }
  }
}
