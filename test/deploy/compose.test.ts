import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { test } from 'tap'
import { parse } from 'yaml'
import { ConfigSchema, loadConfig } from '#config.js'
import { dockerfileRuntime } from '../helpers/dockerfile.js'
import { REPO_ROOT } from '../helpers/run-ts.js'

// docker-compose.yml as a compose implementation reads it: Debian's docker-compose (`docker-compose config` validates
// the file against the compose schema, interpolates ${…} and normalizes it; no Docker engine needed), checked against
// the Dockerfile and the gateway's settings. test/e2e/scale/compose.test.ts checks the services against each other.

const execFileAsync = promisify(execFile)
const SAMPLE_SECRET = 'a-sample-server-secret-of-at-least-32-characters'

/** `docker-compose config` with only `env` (plus PATH/HOME): the developer's own OPENAI_API_KEY must not leak in. */
async function composeConfig (env: Record<string, string>): Promise<{ code: number, stdout: string, stderr: string }> {
  try {
    const { stdout, stderr } = await execFileAsync('docker-compose', ['--file', join(REPO_ROOT, 'docker-compose.yml'), 'config'], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...env }
    })
    return { code: 0, stdout, stderr }
  } catch (err) {
    const failed = err as { code?: number | string, stdout?: string, stderr?: string }
    if (failed.code === 'ENOENT') throw err
    return { code: Number(failed.code ?? 1), stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' }
  }
}

/** Skipped where docker-compose is not installed; .ci/run installs it and REQUIRE_ALL_SERVICES=1 makes it fail instead. */
async function needsCompose (): Promise<{ skip: string | false }> {
  const installed = await execFileAsync('docker-compose', ['version']).then(() => true, () => false)
  if (installed) return { skip: false }
  if (process.env.REQUIRE_ALL_SERVICES === '1') throw new Error('docker-compose is not installed but REQUIRE_ALL_SERVICES=1: the compose file must be checked here')
  return { skip: 'docker-compose not installed (apt-get install docker-compose)' }
}

interface ComposeService { build?: { context: string, dockerfile?: string }, image?: string, environment?: Record<string, string | null> }

test('docker compose reads docker-compose.yml, and its gateway is the image and settings this repo builds', await needsCompose(), async (t) => {
  const refused = await composeConfig({})
  t.not(refused.code, 0, 'without SERVER_SECRET compose refuses to start')
  t.match(refused.stderr, /SERVER_SECRET/, 'and says which variable is missing')

  const { code, stdout, stderr } = await composeConfig({ SERVER_SECRET: SAMPLE_SECRET })
  t.equal(code, 0, `valid compose file ${stderr}`)
  const { services } = parse(stdout) as { services: Record<string, ComposeService> }
  const gateway = services.gateway
  t.equal(gateway?.build?.context, REPO_ROOT, 'the gateway is built from this repository')
  t.equal(gateway?.build?.dockerfile ?? 'Dockerfile', 'Dockerfile', 'with its Dockerfile')

  const environment = Object.fromEntries(Object.entries(gateway?.environment ?? {}).map(([name, value]) => [name, value ?? '']))
  const known = new Set(Object.keys(ConfigSchema.properties))
  t.same(Object.keys(environment).filter((name) => !known.has(name)), [], 'every variable set on the gateway is a setting in config.ts')
  const config = loadConfig({ ...dockerfileRuntime().env, ...environment })
  t.equal(config.SERVER_SECRET, SAMPLE_SECRET, 'the operator\'s SERVER_SECRET reaches every replica')
  t.match(config.DATABASE_URL, /^postgres:\/\//)

  const images = Object.entries(services).filter(([name]) => name !== 'gateway').map(([name, service]) => [name, service.image])
  for (const [name, image] of images) t.match(image, /^[a-z0-9./-]+:\d+(\.\d+)*-alpine$/, `${String(name)}: a pinned version tag (${String(image)})`)
})
