import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'tap'
import { parseAllDocuments } from 'yaml'
import { Deployment } from 'kubernetes-models/apps/v1/Deployment'
import { Secret } from 'kubernetes-models/v1/Secret'
import { Service } from 'kubernetes-models/v1/Service'
import type { IContainer } from 'kubernetes-models/v1/Container'
import { ConfigSchema, loadConfig } from '#config.js'
import { build } from '../helpers/build.js'
import { REPO_ROOT } from '../helpers/run-ts.js'
import { dockerfileRuntime } from '../helpers/dockerfile.js'

// deploy/kubernetes/ as `kubectl apply -f` reads it, checked against the Kubernetes API schema (kubernetes-models:
// the OpenAPI definitions compiled to validators; no cluster here) and against the gateway it deploys.

const MANIFESTS = join(REPO_ROOT, 'deploy', 'kubernetes')
const MODELS = { Deployment, Secret, Service } as const

const documents = readdirSync(MANIFESTS).filter((name) => /\.ya?ml$/.test(name)).flatMap((name) =>
  parseAllDocuments(readFileSync(join(MANIFESTS, name), 'utf8')).map((document) => ({ name, object: document.toJS() as { kind?: string } })))
const ofKind = <K extends keyof typeof MODELS>(kind: K): Array<InstanceType<(typeof MODELS)[K]>> =>
  documents.filter(({ object }) => object.kind === kind).map(({ object }) => new MODELS[kind](object as never) as InstanceType<(typeof MODELS)[K]>)

test('every manifest is a valid object of the Kubernetes API', async (t) => {
  t.ok(documents.length >= 3, `${documents.length} objects in deploy/kubernetes/`)
  for (const { name, object } of documents) {
    const Model = MODELS[object.kind as keyof typeof MODELS]
    t.ok(Model, `${name}: ${String(object.kind)} is a kind this test knows`)
    t.doesNotThrow(() => new Model(object as never).validate(), `${name}: ${String(object.kind)} matches the API schema`)
  }
  t.throws(() => new Deployment({ metadata: { name: 'x' }, spec: { replicas: 'two' } } as never).validate(), 'the schema check does catch a wrong manifest')
})

const [deployment] = ofKind('Deployment')
const pod = deployment?.spec?.template.spec
const container = pod?.containers[0] as IContainer
const [secret] = ofKind('Secret')
const [service] = ofKind('Service')
const dockerfile = dockerfileRuntime()

test('the Deployment sets only settings the gateway knows, secrets from the Secret', async (t) => {
  const known = new Set(Object.keys(ConfigSchema.properties))
  const env = container.env ?? []
  t.same(env.map((variable) => variable.name).filter((name) => !known.has(name)), [], 'every env name is a setting in config.ts')
  const fromSecret = env.filter((variable) => variable.valueFrom?.secretKeyRef !== undefined)
  t.ok(fromSecret.some((variable) => variable.name === 'SERVER_SECRET'), 'SERVER_SECRET comes from a Secret')
  for (const variable of fromSecret) {
    const ref = variable.valueFrom!.secretKeyRef!
    t.equal(ref.name, secret?.metadata?.name, `${variable.name}: the Secret in secret.yaml`)
    t.ok(ref.key in (secret?.stringData ?? {}), `${variable.name}: a key that Secret holds (${ref.key})`)
  }

  // what a replica gets: the image's ENV, the Deployment's values, the Secret's values (as shipped: placeholders)
  const values = Object.fromEntries(env.map((variable) => [variable.name, variable.value ?? secret?.stringData?.[variable.valueFrom?.secretKeyRef?.key ?? ''] ?? '']))
  t.throws(() => loadConfig({ ...dockerfile.env, ...values }), /SERVER_SECRET/, 'the placeholder secret is refused: an unedited Secret never serves')
  const config = loadConfig({ ...dockerfile.env, ...values, SERVER_SECRET: 'a-sample-server-secret-of-at-least-32-characters' })
  t.match(config.DATABASE_URL, /^postgres:\/\//, 'replicas share Postgres')
  t.equal(config.HOST, '0.0.0.0', 'reachable from the Service')
})

test('the probes ask the gateway\'s health routes on the port it listens on', async (t) => {
  const port = container.ports?.find((p) => p.name === container.readinessProbe?.httpGet?.port)
  t.equal(String(port?.containerPort), dockerfile.env.PORT, 'the probes\' named port is the image\'s PORT')
  t.same(dockerfile.expose, [String(port?.containerPort)], 'and the port the image exposes')
  t.equal(container.livenessProbe?.httpGet?.port, port?.name)

  const app = await build(t)
  for (const [kind, probe] of [['readiness', container.readinessProbe], ['liveness', container.livenessProbe]] as const) {
    const path = probe?.httpGet?.path ?? ''
    t.match(path, /^\/health\//, `${kind} probe on /health/*`)
    t.equal((await app.inject({ method: 'GET', url: path })).statusCode, 200, `${kind}: ${path} answers 200 on a healthy gateway`)
  }
})

test('a stopping replica drains within the grace period Kubernetes gives it', async (t) => {
  const preStop = container.lifecycle?.preStop?.exec?.command ?? []
  t.equal(preStop[0], 'sleep', 'preStop pauses while the endpoint is removed from the Service')
  const pauseSeconds = Number(preStop[1])
  const { SHUTDOWN_GRACE_MS } = loadConfig({ ...dockerfile.env })
  t.ok((pod?.terminationGracePeriodSeconds ?? 30) * 1000 > pauseSeconds * 1000 + SHUTDOWN_GRACE_MS,
    `terminationGracePeriodSeconds covers the pause (${pauseSeconds} s) and the drain (${SHUTDOWN_GRACE_MS} ms)`)
  t.same(container.volumeMounts?.map((mount) => mount.mountPath), [dockerfile.env.DATA_DIR], 'each pod its own DATA_DIR (usage journal, lock)')
  t.ok(pod?.securityContext?.runAsNonRoot, 'never as root')
})

test('the Service routes to the Deployment\'s pods on their named port', async (t) => {
  t.same(service?.spec?.selector, deployment?.spec?.selector.matchLabels, 'the selector is the Deployment\'s')
  t.same(service?.spec?.selector, deployment?.spec?.template.metadata?.labels, 'and matches its pods\' labels')
  t.same(service?.spec?.ports?.map((p) => p.targetPort), container.ports?.map((p) => p.name), 'targetPort is the container\'s named port')
})
