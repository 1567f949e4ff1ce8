import { spawn } from 'node:child_process'
import { chmodSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer, type AddressInfo } from 'node:net'
import { join } from 'node:path'
import { tempDir, type TestContext } from '../../helpers/build.js'
import { REPO_ROOT } from '../../helpers/run-ts.js'
import { serviceUrl } from '../../helpers/services.js'
import { eventually } from '../../helpers/wait.js'

export const SHIPPED_NGINX_CONF = join(REPO_ROOT, 'deploy', 'nginx.conf')

/** The one upstream `server` line of the shipped config: its address and parameters. */
const UPSTREAM_SERVER = /^([ \t]*)server[ \t]+([^\s;{]+)([^;{\n]*);[ \t]*$/gm
const LISTEN = /^([ \t]*)listen[ \t]+(\d+);/gm
const RESOLVER = /^[ \t]*resolver[ \t][^;]*;[ \t]*$/gm

/** The address of the shipped config's upstream server (`gateway:3000`) and its parameters (`resolve`). */
export function shippedUpstream (conf: string): { address: string, parameters: string[] } {
  const [match, ...others] = [...conf.matchAll(UPSTREAM_SERVER)]
  if (match === undefined || others.length > 0) throw new Error('deploy/nginx.conf must name exactly one upstream server (the compose service)')
  return { address: match[2] ?? '', parameters: (match[3] ?? '').trim().split(/\s+/).filter((p) => p !== '') }
}

/** The port the shipped config listens on (what the compose file publishes). */
export function shippedListenPort (conf: string): number {
  const [match, ...others] = [...conf.matchAll(LISTEN)]
  if (match === undefined || others.length > 0) throw new Error('deploy/nginx.conf must listen on exactly one port')
  return Number(match[2])
}

function replaceOnce (text: string, pattern: RegExp, replace: (...groups: string[]) => string): string {
  if ([...text.matchAll(pattern)].length !== 1) throw new Error(`deploy/nginx.conf changed shape: expected one match of ${String(pattern)}`)
  return text.replace(pattern, (...args: unknown[]) => replace(...args.slice(0, -2).map(String)))
}

/**
 * The shipped deploy/nginx.conf with only what belongs to Docker replaced, so a test proves everything else
 * (buffering, timeouts, retries, headers) as it ships:
 * - `resolver 127.0.0.11 …` is Docker's embedded DNS, which does not exist outside a container; the loopback
 *   addresses below need no resolving.
 * - `server gateway:3000 resolve;` names the compose service, which Docker's DNS answers with one address per
 *   replica; here each replica is a loopback port, so there is one `server` line per replica. `resolve` goes
 *   with the name: it re-resolves a host name (and is only parsed by nginx >= 1.27.3, while Debian 12 ships
 *   1.22); other parameters of the line are kept.
 * - `listen 8080` becomes a free loopback port.
 * Added, not changed: temp and log paths inside `dir` (the compiled-in ones under /var need root).
 */
export function loadBalancerConfig (shipped: string, options: { port: number, upstreams: string[], dir: string }): string {
  let conf = replaceOnce(shipped, RESOLVER, () => '  # resolver: Docker DNS, not used by the test (see test/e2e/scale/nginx.ts)')
  conf = replaceOnce(conf, UPSTREAM_SERVER, (_line, indent = '', _address, parameters = '') => {
    const kept = parameters.trim().split(/\s+/).filter((p) => p !== '' && p !== 'resolve').map((p) => ` ${p}`).join('')
    return options.upstreams.map((upstream) => `${indent}server ${upstream}${kept};`).join('\n')
  })
  conf = replaceOnce(conf, LISTEN, (_line, indent = '') => `${indent}listen 127.0.0.1:${options.port};`)
  const paths = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((kind) => `  ${kind}_temp_path ${join(options.dir, `${kind}_temp`)};`)
  return replaceOnce(conf, /^http \{$/gm, () => [
    'http {',
    ...paths,
    // which replica(s) each request went to, retries included ("A, B" and "502, 200")
    '  log_format upstreams \'$request_method $request_uri $status upstream=$upstream_addr upstream_status=$upstream_status\';',
    `  access_log ${join(options.dir, 'access.log')} upstreams;`
  ].join('\n'))
}

export async function freePort (): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}

export interface LoadBalancer {
  url: string
  /** Lines of nginx's access log so far: `METHOD URI STATUS upstream=… upstream_status=…`. */
  accessLog: () => string[]
}

/** Real nginx (NGINX_PATH) with the shipped config in front of `upstreams` (host:port); stopped on teardown. */
export async function startLoadBalancer (t: TestContext, upstreams: string[]): Promise<LoadBalancer> {
  const dir = tempDir(t, 'hubgate-nginx-')
  // nginx's workers run as nobody when the master is root: they must reach the temp paths inside
  chmodSync(dir, 0o755)
  const port = await freePort()
  const confFile = join(dir, 'nginx.conf')
  writeFileSync(confFile, loadBalancerConfig(readFileSync(SHIPPED_NGINX_CONF, 'utf8'), { port, upstreams, dir }))
  const errorLog = join(dir, 'error.log')
  const nginx = spawn(serviceUrl('NGINX_PATH'), [
    '-p', dir, '-c', confFile, '-e', errorLog,
    '-g', `daemon off; pid ${join(dir, 'nginx.pid')}; error_log ${errorLog} notice;`
  ], { stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  nginx.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk })
  const exited = new Promise<void>((resolve) => nginx.on('exit', () => resolve()))
  // SIGTERM, not SIGKILL: a killed master would leave its worker listening
  t.teardown(async () => { nginx.kill('SIGTERM'); await exited })
  const url = `http://127.0.0.1:${port}`
  const up = await eventually(async () => {
    if (nginx.exitCode !== null) return true
    try { return (await fetch(`${url}/health/live`)).ok } catch { return false }
  }, 10_000)
  if (!up || nginx.exitCode !== null) {
    let log = ''
    try { log = readFileSync(errorLog, 'utf8') } catch {}
    throw new Error(`nginx did not start (exit ${String(nginx.exitCode)}):\n${stderr}\n${log}`)
  }
  return { url, accessLog: () => readFileSync(join(dir, 'access.log'), 'utf8').split('\n').filter((line) => line !== '') }
}
