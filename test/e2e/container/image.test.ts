import { execFileSync } from 'node:child_process'
import { chownSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t0, { test } from 'tap'
import { ADMIN_KEY } from '../../helpers/build.js'
import { openAIChunks } from '../../helpers/mock-openai.js'
import { startMock } from '../../helpers/mock-server.js'
import { dockerfileBaseImages } from '../../helpers/dockerfile.js'
import { REPO_ROOT } from '../../helpers/run-ts.js'
import { needs, postgresEnv, serviceUrl } from '../../helpers/services.js'
import { eventually } from '../../helpers/wait.js'
import { Buildah, type Running } from './buildah.js'
import { freePort, issueKey, ready, recordedCalls, streamChat } from './calls.js'
import { imageContents } from './image-contents.js'

// The image as people deploy it: the repo's Dockerfile built unchanged with buildah (no daemon) on a stand-in for its
// base image (no image registry is reachable), checked, and run with a data volume, then on Postgres. Minutes of work
// as root, so only where CONTAINER_TEST=1 (.ci/run, in parallel with the rest of the suite).
t0.setTimeout(15 * 60_000)

const IMAGE = 'localhost/hubgate:container-test'
const ANSWER = 'streamed from inside the container'
const STARTUP_MS = 180_000

/** Why the test cannot run here, or false; a missing tool fails instead where REQUIRE_ALL_SERVICES=1. */
function skipReason (): string | false {
  if (process.env.CONTAINER_TEST !== '1') return 'CONTAINER_TEST is not 1: building and running the image takes minutes, as root, with buildah and mmdebstrap (.ci/run sets it)'
  const onPath = (command: string): boolean => { try { execFileSync('sh', ['-c', `command -v ${command}`]); return true } catch { return false } }
  const missing = ['buildah', 'mmdebstrap'].filter((command) => !onPath(command))
  const problem = missing.length > 0 ? `${missing.join(' and ')} not installed` : process.getuid?.() !== 0 ? 'not running as root' : undefined
  if (problem === undefined) return false
  if (process.env.REQUIRE_ALL_SERVICES === '1') throw new Error(`CONTAINER_TEST=1 and REQUIRE_ALL_SERVICES=1 but ${problem}: the container test must run here`)
  return `CONTAINER_TEST=1 but ${problem}`
}

/** The one base image the Dockerfile's stages start FROM, fully qualified as buildah stores it. */
function dockerfileBase (): string {
  const bases = dockerfileBaseImages()
  if (bases.length !== 1) throw new Error(`the Dockerfile should start from one base image, found: ${bases.join(', ')}`)
  const [base = ''] = bases
  return base.includes('/') ? base : `docker.io/library/${base}`
}

const skip = skipReason()

test('the Dockerfile, built and run as people deploy it', { skip }, async (t) => {
  const work = mkdtempSync(join(tmpdir(), 'hubgate-container-'))
  const buildah = new Buildah(join(work, 'storage'))
  t.teardown(async () => { await buildah.clean(); rmSync(work, { recursive: true, force: true }) })

  let started = Date.now()
  const base = dockerfileBase()
  t.comment(await buildah.script(join(REPO_ROOT, 'test', 'e2e', 'container', 'base-image.sh'), [base]))
  t.comment(`stand-in base ${base} made in ${Math.round((Date.now() - started) / 1000)} s`)

  // the build reaches the npm registry through this machine's TLS proxy (its CA is in the system store only) and
  // compiles better-sqlite3 against the base's Node headers; the Dockerfile stays as users build it elsewhere
  const npmrc = join(work, 'npmrc')
  writeFileSync(npmrc, 'cafile=/etc/ssl/certs/ca-certificates.crt\nnodedir=/usr/local\n')
  started = Date.now()
  await buildah.run(['bud', '--isolation=chroot', '--network=host', '--pull=never', '--layers=false', '--quiet',
    '--volume', '/etc/ssl/certs:/etc/ssl/certs:ro', '--volume', `${npmrc}:/root/.npmrc:ro`, '--tag', IMAGE, REPO_ROOT], 900_000)
  const size = (await buildah.run(['images', '--format', '{{.Size}}', IMAGE])).trim()
  t.comment(`image ${IMAGE} built in ${Math.round((Date.now() - started) / 1000)} s: ${size}`)
  const config = await buildah.imageConfig(IMAGE)
  const dataDir = config.Env?.find((variable) => variable.startsWith('DATA_DIR='))?.slice('DATA_DIR='.length) ?? ''

  let uid = 0
  await t.test('the image runs as a non-root user and holds only the built gateway and production dependencies', async (t) => {
    const probe = (await buildah.run(['from', '--pull=never', '--quiet', IMAGE])).trim()
    const root = (await buildah.run(['mount', probe])).trim()
    const contents = imageContents(root, config.WorkingDir ?? '/', config.User ?? '', join(REPO_ROOT, 'package-lock.json'))
    await buildah.run(['rm', probe])
    uid = contents.uid
    t.not(config.User ?? '', '', 'the image names a USER')
    t.not(uid, 0, `USER ${String(config.User)} is not root (uid ${uid})`)
    t.same(contents.devPackages, [], 'no dev dependency (nor what only they need) in node_modules')
    t.same(contents.unwanted, [], 'no TypeScript sources, tests, bench/ or build configuration')
    t.same(config.Cmd?.slice(-1), ['dist/server.js'], 'the command runs the built server')
    t.ok(dataDir.startsWith('/'), `DATA_DIR is set (${dataDir})`)
  })

  const mock = await startMock(t, '/v1')
  let gate = Promise.resolve()
  mock.respond(async (_req, res) => {
    const events = openAIChunks({ content: ANSWER, usage: { prompt_tokens: 5, completion_tokens: 7 } }, true, 4).map((data) => `data: ${data}\n\n`)
    res.writeHead(200, { 'content-type': 'text/event-stream' })
    res.write(events[0])
    await gate
    for (const event of events.slice(1)) res.write(event)
    res.end('data: [DONE]\n\n')
  })
  /** A gateway container on its own port and `volume` (owned by the image's user), the mock as its OpenAI. */
  const gateway = async (volume: string, env: Record<string, string> = {}): Promise<{ origin: string, run: Running }> => {
    const port = await freePort()
    const container = await buildah.container(IMAGE, {
      PORT: String(port),
      // the host's network: listen on loopback only
      HOST: '127.0.0.1',
      OPENAI_API_KEY: 'sk-test-provider-openai-0123456789',
      OPENAI_BASE_URL: mock.url,
      SHUTDOWN_GRACE_MS: '20000',
      ...env
    })
    const run = container.start(volume, dataDir)
    t.teardown(() => { if (run.child.exitCode === null) run.child.kill('SIGKILL') })
    const origin = `http://127.0.0.1:${port}`
    await Promise.race([ready(`${origin}/health/ready`, STARTUP_MS), run.exited.then(() => { throw new Error(`the container exited:\n${run.output()}`) })])
    return { origin, run }
  }
  const volume = (): string => {
    const dir = mkdtempSync(join(work, 'volume-'))
    chownSync(dir, uid, uid)
    return dir
  }

  await t.test('on a data volume: bootstrap key, streamed chat, SIGTERM drains, a restart keeps keys and usage', async (t) => {
    const data = volume()
    const first = await gateway(data)
    const [, bootstrapKey = ''] = await first.run.waitFor(/^\s+(hgk_\S+)\s*$/m, 10_000)
    t.pass('the first start printed a bootstrap admin key')
    const { id, key } = await issueKey(first.origin, bootstrapKey, 'container')
    const call = await streamChat(first.origin, key).done
    t.same([call.status, call.text], [200, ANSWER], 'a streamed chat call through the container')
    // the image runs the esbuild bundle (cli/bundle.ts): swagger-ui's files beside its code and the admin UI still found
    for (const [path, type] of [['/docs/', 'text/html'], ['/docs/static/swagger-ui.css', 'text/css'], ['/openapi.json', 'application/json'], ['/admin/', 'text/html']] as const) {
      const res = await fetch(`${first.origin}${path}`)
      t.same([res.status, res.headers.get('content-type')?.split(';')[0]], [200, type], `${path} is served`)
    }

    let release: () => void = () => {}
    gate = new Promise((resolve) => { release = resolve })
    const inFlight = streamChat(first.origin, key)
    await inFlight.started
    first.run.signal('SIGTERM')
    await first.run.waitFor(/draining in-flight requests/, 10_000)
    release()
    const drained = await inFlight.done
    t.same([drained.status, drained.text], [200, ANSWER], 'the stream open at SIGTERM finished')
    t.match(drained.body, /data: \[DONE\]\n\n$/)
    t.equal(await first.run.exited, 0, 'the container exited 0 once drained')

    const second = await gateway(data)
    t.notMatch(second.run.output(), /bootstrap admin key/, 'no new bootstrap key: the store on the volume has one')
    const again = await streamChat(second.origin, key).done
    t.equal(again.status, 200, 'the key issued before the restart still works')
    t.ok(await eventually(async () => await recordedCalls(second.origin, bootstrapKey, id) === 3, 10_000), 'the usage of all three calls is on the volume')
    second.run.signal('SIGTERM')
    t.equal(await second.run.exited, 0)
    t.ok(statSync(join(data, 'hubgate.db')).uid === uid, 'the store is written by the image\'s user')
  })

  await t.test('two containers on one Postgres share keys and usage', needs('TEST_DATABASE_URL', 'Postgres'), async (t) => {
    const database = postgresEnv(t, serviceUrl('TEST_DATABASE_URL'))
    const [a, b] = await Promise.all([gateway(volume(), { ...database, ADMIN_KEY }), gateway(volume(), { ...database, ADMIN_KEY })])
    const { id, key } = await issueKey(a!.origin, ADMIN_KEY, 'shared')
    const calls = await Promise.all([streamChat(a!.origin, key).done, streamChat(b!.origin, key).done])
    t.same(calls.map((call) => [call.status, call.text]), [[200, ANSWER], [200, ANSWER]], 'the key issued on one container works on both')
    t.ok(await eventually(async () => await recordedCalls(b!.origin, ADMIN_KEY, id) === 2, 10_000), 'each sees the usage of both')
    for (const container of [a!, b!]) container.run.signal('SIGTERM')
    t.same(await Promise.all([a!.run.exited, b!.run.exited]), [0, 0], 'both exit 0 on SIGTERM')
  })
})
