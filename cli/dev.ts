import { spawn, type ChildProcess } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'

// `npm run dev`: `tsc --watch` over what `npm run build` compiles, and dist/server.js restarted after each finished
// compile, never in the middle of one (it would find dist/ half written, and out of date). typescript is a dev
// dependency: this runs from a checkout, never in the image. The admin UI has its own: `npm --prefix ui run dev`.

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const formatHost: ts.FormatDiagnosticsHost = {
  getCanonicalFileName: (name) => name,
  getCurrentDirectory: () => root,
  getNewLine: () => '\n'
}

let server: ChildProcess | undefined
let restarts = Promise.resolve()

/** Stops the running server (it drains, as on any SIGTERM) and resolves once it has exited. */
async function stopServer (): Promise<void> {
  const running = server
  server = undefined
  if (running === undefined || running.exitCode !== null || running.signalCode !== null) return
  const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()))
  running.kill('SIGTERM')
  await exited
}

function restartServer (): void {
  restarts = restarts.then(async () => {
    await stopServer()
    server = spawn(process.execPath, [join(root, 'dist', 'server.js')], { cwd: root, stdio: 'inherit' })
  })
}

const host = ts.createWatchCompilerHost(
  join(root, 'tsconfig.build.json'),
  {},
  ts.sys,
  ts.createEmitAndSemanticDiagnosticsBuilderProgram,
  (diagnostic) => process.stderr.write(ts.formatDiagnosticsWithColorAndContext([diagnostic], formatHost)),
  (status, _newLine, _options, errorCount) => {
    process.stdout.write(`[dev] ${ts.flattenDiagnosticMessageText(status.messageText, '\n')}\n`)
    // the error count comes with the status that ends a compile; tsc emits despite type errors
    if (errorCount !== undefined) restartServer()
  }
)
const watch = ts.createWatchProgram(host)

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    watch.close()
    void restarts.then(stopServer).then(() => process.exit(0))
  })
}
