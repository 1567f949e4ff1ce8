import { readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { test } from 'tap'
import { parse } from 'yaml'
import { loadConfig } from '#config.js'
import { REPO_ROOT } from '../../helpers/run-ts.js'
import { dockerfileRuntime } from '../../helpers/dockerfile.js'
import { SHIPPED_NGINX_CONF, shippedListenPort, shippedUpstream } from './nginx.js'

// Static checks of the compose deployment: no Docker engine runs on the CI machine, so compose's orchestration is
// never executed; these keep the files agreeing with each other and with the gateway. nginx.test.ts runs the shipped
// deploy/nginx.conf in front of real replicas, test/e2e/container/ builds and runs the image, and
// test/deploy/compose.test.ts reads the file with docker-compose itself.

interface Service {
  image?: string
  environment?: Record<string, string>
  volumes?: string[]
  ports?: string[]
  depends_on?: Record<string, { condition: string }> | string[]
  restart?: string
  stop_grace_period?: string
}

const compose = parse(readFileSync(join(REPO_ROOT, 'docker-compose.yml'), 'utf8')) as { services: Record<string, Service> }
const services = compose.services
const gateway = services.gateway!
const lb = services.lb!
const nginxConf = readFileSync(SHIPPED_NGINX_CONF, 'utf8')

const dockerfile = dockerfileRuntime()

/** What a required `${NAME:?…}` stands for in these checks (an operator sets it; compose refuses to start without). */
const REQUIRED_SAMPLES: Record<string, string> = { SERVER_SECRET: 'a-sample-server-secret-of-at-least-32-characters' }

/** The gateway service's environment as compose hands it to the container (unset `${NAME:-}` defaults dropped). */
function gatewayEnvironment (): Record<string, string> {
  const env: Record<string, string> = {}
  for (const [name, value] of Object.entries(gateway.environment ?? {})) {
    env[name] = String(value).replace(/\$\{(\w+)(?::([?-])([^}]*))?\}/g, (_whole, variable: string, kind?: string, rest = '') => {
      if (kind === '-') return rest
      const sample = REQUIRED_SAMPLES[variable]
      if (sample === undefined) throw new Error(`docker-compose.yml needs ${variable}: add a sample for it to REQUIRED_SAMPLES`)
      return sample
    })
  }
  return env
}

test('the compose gateway service, on the image\'s environment, is a valid Postgres + Redis configuration behind a proxy', async (t) => {
  const config = loadConfig({ ...dockerfile.env, ...gatewayEnvironment() })
  t.match(config.DATABASE_URL, /^postgres:\/\//, 'Postgres: the store every replica shares')
  t.match(config.REDIS_URL, /^redis:\/\//, 'Redis: budgets and rate limits shared by every replica')
  t.equal(config.TRUST_PROXY, true, 'the client address comes from nginx\'s X-Forwarded-For')
  t.equal(config.HOST, '0.0.0.0', 'reachable from nginx\'s container')
  t.match(gateway.environment?.SERVER_SECRET, /^\$\{SERVER_SECRET:\?/, 'compose refuses to start without SERVER_SECRET, never falls back to one')

  const database = new URL(config.DATABASE_URL ?? '')
  const postgres = services[database.hostname]
  t.ok(postgres?.image?.startsWith('postgres:'), `DATABASE_URL names the postgres service (${database.hostname})`)
  t.same(
    [decodeURIComponent(database.username), decodeURIComponent(database.password), database.pathname.slice(1)],
    [postgres?.environment?.POSTGRES_USER, postgres?.environment?.POSTGRES_PASSWORD, postgres?.environment?.POSTGRES_DB],
    'DATABASE_URL logs in with the user, password and database the postgres service creates'
  )
  const redisHost = new URL(config.REDIS_URL ?? '').hostname
  t.ok(services[redisHost]?.image?.startsWith('redis:'), `REDIS_URL names the redis service (${redisHost})`)
  const [, amount = '0', unit = 's'] = /^(\d+)(ms|s|m)$/.exec(gateway.stop_grace_period ?? '10s') ?? []
  const stopGraceMs = Number(amount) * { ms: 1, s: 1_000, m: 60_000 }[unit as 'ms' | 's' | 'm']
  t.ok(stopGraceMs > config.SHUTDOWN_GRACE_MS, `a stop waits ${stopGraceMs} ms, longer than the replica drains its streams (${config.SHUTDOWN_GRACE_MS} ms)`)
  t.same(gateway.depends_on, { [database.hostname]: { condition: 'service_healthy' }, [redisHost]: { condition: 'service_healthy' } }, 'replicas start once both answer')
})

test('nginx forwards to the compose gateway service on the port the image listens on', async (t) => {
  const port = dockerfile.env.PORT
  t.equal(gatewayEnvironment().PORT, undefined, 'compose keeps the image\'s PORT')
  t.same(dockerfile.expose, [port], 'the image exposes the port it listens on')
  const upstream = shippedUpstream(nginxConf)
  t.equal(upstream.address, `gateway:${String(port)}`, 'the upstream is the compose service name and its PORT')

  t.same(lb.volumes, ['./deploy/nginx.conf:/etc/nginx/nginx.conf:ro'], 'the lb mounts deploy/nginx.conf as nginx\'s whole config')
  t.equal(resolve(REPO_ROOT, (lb.volumes?.[0] ?? '').split(':')[0] ?? ''), SHIPPED_NGINX_CONF)
  const listen = shippedListenPort(nginxConf)
  t.same(lb.ports, [`${listen}:${listen}`], 'the published port is the one nginx listens on')
  t.same(lb.depends_on, ['gateway'])

  // `server … resolve` (re-resolving the service name as replicas come and go) exists in open-source nginx from 1.27.3
  t.ok(upstream.parameters.includes('resolve'), 'replicas added with --scale are picked up')
  t.match(nginxConf, /^\s*resolver 127\.0\.0\.11 /m, 'resolve needs a resolver: Docker\'s embedded DNS')
  const [, major = '0', minor = '0', patch = '0'] = /^nginx:(\d+)\.(\d+)(?:\.(\d+))?(?:-|$)/.exec(lb.image ?? '') ?? []
  const lowest = [major, minor, patch].map(Number)
  t.ok(lowest[0]! > 1 || (lowest[0] === 1 && (lowest[1]! > 27 || (lowest[1] === 27 && lowest[2]! >= 3))),
    `every nginx the tag ${String(lb.image)} can pull is 1.27.3 or later`)
})

test('the image runs the gateway as `npm start` does, with the same Node flags', async (t) => {
  const { scripts } = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
  t.same(dockerfile.cmd, scripts.start!.trim().split(/\s+/), 'CMD is the start script, word for word (the benchmark runs those flags too)')
  t.ok(dockerfile.cmd.includes('--max-old-space-size=1024'), 'the old generation is collected before it grows to several times its live size')
})

test('each replica keeps its usage journal on its own /data volume', async (t) => {
  const dataDir = dockerfile.env.DATA_DIR
  t.equal(dataDir, '/data')
  t.same(dockerfile.volumes, [dataDir], 'the image declares DATA_DIR a volume: each container gets its own')
  const mounted = (gateway.volumes ?? []).filter((volume) => volume.split(':')[1] === dataDir)
  t.same(mounted, [], 'no named volume or bind mount at DATA_DIR, which every replica of the service would share')
  t.equal(gateway.restart, 'unless-stopped', 'a crashed replica restarts in its container, on its volume, and replays its journal')
})
