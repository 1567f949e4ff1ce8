import { readFileSync } from 'node:fs'
import { dirname, sep } from 'node:path'
import type { Plugin } from 'esbuild'

// esbuild plugins of the start-up bundle (cli/bundle.ts): where bundling a package as it is would change what it does.

/** Bundled CommonJS packages call require() for Node built-ins: ES module output needs a real one. */
export const REQUIRE_BANNER = "import { createRequire as __hubgateCreateRequire } from 'node:module'; const require = __hubgateCreateRequire(import.meta.url);"

/**
 * Bundled packages that read files beside their own code (swagger-ui serves its page from its static/ folder) keep
 * their real __dirname: the package's folder in node_modules, found at run time, plus the file's place in it.
 */
const FILES_BESIDE_CODE = ['@fastify/swagger-ui']

export function realDirname (): Plugin {
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
const UNDICI_PARTS = [
  "import Dispatcher from 'undici/lib/dispatcher/dispatcher.js'",
  "import api from 'undici/lib/api/index.js'",
  // what undici's index does besides exporting: request(), stream(), pipeline(), … on every dispatcher
  'Object.assign(Dispatcher.prototype, api)',
  "export { default as Agent } from 'undici/lib/dispatcher/agent.js'",
  "export { default as buildConnector } from 'undici/lib/core/connect.js'"
].join('\n')

/** `root`: where undici is installed (the checkout). */
export function undiciParts (root: string): Plugin {
  return {
    name: 'undici-parts',
    setup (builder) {
      builder.onResolve({ filter: /^undici$/ }, () => ({ path: 'undici-parts', namespace: 'undici-parts' }))
      builder.onLoad({ filter: /.*/, namespace: 'undici-parts' }, () => ({ contents: UNDICI_PARTS, loader: 'js', resolveDir: root }))
    }
  }
}
