#!/usr/bin/env node
// Issue #22: one move to a domain layout. Run at the root of a clean checkout of the old layout (lib/ present):
//   node scripts/relayout.mjs [--commit]
// It git-mvs every file by MOVES / RULES below, rewrites every import (package.json subpath imports across
// folders, ./x.js within one), moves tests so test/ mirrors the tree, applies PATCHES (small layer-rule fixes),
// and updates package.json, tsconfig*.json and path mentions in code and docs. Deterministic and loud: a file
// no rule covers, or a patch whose text is gone, stops it before anything is written.
import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs'
import { dirname, posix } from 'node:path'

const SOURCE_CONDITION = 'hubgate-ts'
/** Top-level source folders, lowest layer first; each gets a `#folder/*` subpath import. */
const FOLDERS = ['schemas', 'store', 'keys', 'catalog', 'upstream', 'providers', 'gateway', 'metering', 'protocols',
  'admin-sso', 'http', 'plugins', 'routes', 'cli', 'bench']
/** Root modules imported from folders: `#errors.js`, `#config.js`, `#app.js`. */
const ROOT_MODULES = ['errors', 'config', 'app']

/** Every existing file of lib/ and providers/ (and the tests that move), old path → new path. */
const MOVES = {
  'lib/errors.ts': 'errors.ts',
  'lib/principal.ts': 'schemas/principal.ts',
  'lib/private-files.ts': 'store/private-files.ts',
  'lib/storable-text.ts': 'store/storable-text.ts',
  'lib/time-ordered-id.ts': 'store/time-ordered-id.ts',
  'lib/access-keys.ts': 'keys/access-keys.ts',
  'lib/key-secrets.ts': 'keys/key-secrets.ts',
  'lib/jwt-algorithms.ts': 'keys/jwt-algorithms.ts',
  'lib/jwt-principal.ts': 'keys/jwt-principal.ts',
  'lib/jwt-settings.ts': 'keys/jwt-settings.ts',
  'lib/secret-box.ts': 'keys/secret-box.ts',
  'lib/server-secret.ts': 'keys/server-secret.ts',
  'lib/model-glob.ts': 'keys/model-glob.ts',
  'lib/model-catalog.ts': 'catalog/model-catalog.ts',
  'providers/catalog.ts': 'catalog/builtin-providers.ts',
  'providers/address-guard.ts': 'upstream/address-guard.ts',
  'providers/allowed-hosts.ts': 'upstream/allowed-hosts.ts',
  'providers/answer-check.ts': 'upstream/answer-check.ts',
  'providers/client-signal.ts': 'upstream/client-signal.ts',
  'providers/decoded-stream.ts': 'upstream/decoded-stream.ts',
  'providers/http.ts': 'upstream/http.ts',
  'providers/payload.ts': 'upstream/payload.ts',
  'providers/sse.ts': 'upstream/sse.ts',
  'providers/stream-body.ts': 'upstream/stream-body.ts',
  'providers/types.ts': 'upstream/types.ts',
  'providers/token-estimate.ts': 'upstream/token-estimate.ts',
  'providers/adapters.ts': 'providers/adapters.ts',
  'providers/chunks.ts': 'providers/chunks.ts',
  'providers/translate.ts': 'providers/translate.ts',
  'providers/translating-adapter.ts': 'providers/translating-adapter.ts',
  'providers/admission.ts': 'gateway/admission.ts',
  'providers/call-meter.ts': 'gateway/call-meter.ts',
  'providers/call-timing.ts': 'gateway/call-timing.ts',
  'providers/circuit-breaker.ts': 'gateway/circuit-breaker.ts',
  'providers/connection-test.ts': 'gateway/connection-test.ts',
  'providers/credentials.ts': 'gateway/credentials.ts',
  'providers/env.ts': 'gateway/env-source.ts',
  'providers/fallback.ts': 'gateway/fallback.ts',
  'providers/media-models.ts': 'gateway/media-models.ts',
  'providers/registry.ts': 'gateway/registry.ts',
  'providers/retry.ts': 'gateway/retry.ts',
  'providers/service.ts': 'gateway/service.ts',
  'providers/store-source.ts': 'gateway/store-source.ts',
  'providers/validate.ts': 'gateway/validate.ts',
  'lib/usage-events.ts': 'gateway/usage-events.ts',
  'lib/admission.ts': 'metering/admission.ts',
  'lib/budget.ts': 'metering/ledger/memory.ts',
  'lib/redis-budget.ts': 'metering/ledger/redis.ts',
  'lib/token-window.ts': 'metering/token-window/memory.ts',
  'lib/redis-token-window.ts': 'metering/token-window/redis.ts',
  'lib/concurrency.ts': 'metering/concurrency/memory.ts',
  'lib/redis-concurrency.ts': 'metering/concurrency/redis.ts',
  'lib/data-dir-lock.ts': 'metering/data-dir-lock.ts',
  'lib/model-label.ts': 'metering/model-label.ts',
  'lib/throttled-warning.ts': 'metering/throttled-warning.ts',
  'lib/usage-journal.ts': 'metering/usage-journal.ts',
  'lib/usage-recorder.ts': 'metering/usage-recorder.ts',
  'lib/chat-summary.ts': 'protocols/chat-summary.ts',
  'lib/translated-check.ts': 'protocols/translated-check.ts',
  'lib/aigne-chat.ts': 'protocols/aigne/chat.ts',
  'lib/aigne-errors.ts': 'protocols/aigne/errors.ts',
  'lib/aigne-output.ts': 'protocols/aigne/output.ts',
  'lib/aigne-route.ts': 'protocols/aigne/route.ts',
  'lib/media-answers.ts': 'protocols/aigne/media-answers.ts',
  'lib/public-models.ts': 'protocols/aigne/public-models.ts',
  'lib/legacy-chat.ts': 'protocols/aikit/chat.ts',
  'lib/legacy-routes.ts': 'protocols/aikit/routes.ts',
  'lib/admin-session.ts': 'admin-sso/admin-session.ts',
  'lib/admin-ui-config.ts': 'admin-sso/settings.ts',
  'lib/oidc-login.ts': 'admin-sso/oidc-login.ts',
  'lib/sso-audit.ts': 'admin-sso/sso-audit.ts',
  'lib/framework-errors.ts': 'http/framework-errors.ts',
  'lib/lazy-logger.ts': 'http/lazy-logger.ts',
  'lib/log-serializers.ts': 'http/log-serializers.ts',
  // tests: test/ mirrors the tree; setup shared across folders goes to test/helpers; end-to-end suites to test/e2e
  'test/routes/v2/setup.ts': 'test/helpers/gateway.ts',
  'test/providers/store-provider-setup.ts': 'test/helpers/store-gateway.ts',
  'test/scale/redis.ts': 'test/helpers/redis.ts',
  'test/ui/idp.ts': 'test/helpers/idp.ts',
  'test/lib/access-keys.test.ts': 'test/keys/access-keys.test.ts',
  'test/lib/key-cache.test.ts': 'test/keys/key-cache.test.ts',
  'test/lib/model-glob.test.ts': 'test/keys/model-glob.test.ts',
  'test/lib/time-ordered-id.test.ts': 'test/store/time-ordered-id.test.ts',
  'test/lib/aigne-chat.test.ts': 'test/protocols/aigne/chat.test.ts',
  'test/lib/budget.test.ts': 'test/metering/ledger.test.ts',
  'test/lib/concurrency.test.ts': 'test/metering/concurrency.test.ts',
  'test/lib/usage-recorder.test.ts': 'test/metering/usage-recorder.test.ts',
  'test/providers/credential-binding.test.ts': 'test/gateway/credential-binding.test.ts',
  'test/providers/credentials.test.ts': 'test/gateway/credentials.test.ts',
  'test/providers/registry.test.ts': 'test/gateway/registry.test.ts',
  'test/providers/resilience-units.test.ts': 'test/gateway/resilience-units.test.ts',
  'test/providers/sse.test.ts': 'test/upstream/sse.test.ts',
  'test/providers/ssrf-guard.test.ts': 'test/upstream/ssrf-guard.test.ts',
  'test/providers/stream-pipeline.test.ts': 'test/upstream/stream-pipeline.test.ts',
  'test/providers/upstream-http.test.ts': 'test/upstream/upstream-http.test.ts'
}

/** Files written after the explicit table was (e.g. on a newer main): first match wins. */
const RULES = [
  [/^lib\/(.*(?:cost|price|rate).*\.ts)$/, 'catalog/$1'], // pricing: the catalog, and model-catalog.ts, read it
  [/^lib\/(?:redis-)?concurrency(.*)\.ts$/, 'metering/concurrency/$1.ts'],
  [/^lib\/(.*(?:budget|usage|ledger|token-window|meter).*\.ts)$/, 'metering/$1'],
  [/^lib\/aigne-(.*\.ts)$/, 'protocols/aigne/$1'],
  [/^lib\/legacy-(.*\.ts)$/, 'protocols/aikit/$1'],
  [/^lib\/((?:jwt|key|secret|principal).*\.ts)$/, 'keys/$1'],
  [/^lib\/((?:oidc|sso|admin).*\.ts)$/, 'admin-sso/$1'],
  [/^lib\/(model-.*\.ts)$/, 'catalog/$1'],
  [/^providers\/((?:openai-compatible|anthropic|gemini|[a-z0-9-]+)\/.*)$/, 'providers/$1'], // wire-format folders stay
  [/^test\/lib\/(.*(?:budget|usage|ledger|concurrency|cost|meter).*)$/, 'test/metering/$1'],
  [/^test\/(scale|ui|server)\/(.*)$/, 'test/e2e/$1/$2']
]

/** Files folded into another (the target must be moved by MOVES); their imports follow. */
const MERGES = { 'providers/errors.ts': 'errors.ts' }

/** Moved verbatim from protocols/aigne/route.ts to upstream/stream-body.ts (PATCHES). */
const SEND_EVENT_STREAM = `/** Sends a streamed answer in \`format\`: no caching, and proxies such as nginx must not hold it back. */
export async function sendEventStream (reply: FastifyReply, chunks: ChatChunkStream, format: StreamFormat, type = 'text/event-stream; charset=utf-8'): Promise<FastifyReply> {
  return await reply
    .type(type)
    .header('cache-control', 'no-cache')
    .header('x-accel-buffering', 'no')
    // the typed reply only knows the documented JSON shapes; a stream is a valid payload all the same
    .send(streamBody(chunks, format) as never)
}
`

/** Small fixes of the layer rule, on NEW paths, after imports are rewritten: [file, exact old text, new text]. */
const PATCHES = [
  // the wire formats are data (the admin schema's Kind); store/ and catalog/ must not reach up into upstream/ for them
  ['schemas/providers.ts', "const Kind = Type.Union([Type.Literal('openai-compatible'), Type.Literal('anthropic'), Type.Literal('gemini')], { description: 'Wire format of the upstream' })\n",
    "const Kind = Type.Union([Type.Literal('openai-compatible'), Type.Literal('anthropic'), Type.Literal('gemini')], { description: 'Wire format of the upstream' })\n/** The wire formats the gateway speaks: one folder of providers/ each. */\nexport type AdapterKind = Static<typeof Kind>\n"],
  ['upstream/types.ts', "export type AdapterKind = 'openai-compatible' | 'anthropic' | 'gemini'\n", "export type { AdapterKind }\n"],
  ['upstream/types.ts', "import type { ClientSignal } from './client-signal.js'\n", "import type { AdapterKind } from '#schemas/providers.js'\nimport type { ClientSignal } from './client-signal.js'\n"],
  ['store/providers.ts', "import type { AdapterKind } from '#upstream/types.js'", "import type { AdapterKind } from '#schemas/providers.js'"],
  ['catalog/builtin-providers.ts', "import type { AdapterKind } from '#upstream/types.js'", "import type { AdapterKind } from '#schemas/providers.js'"],
  // what an allowed-model pattern may look like is part of the admin API's contract: schemas/ owns it, keys/ reads it
  ['keys/key-secrets.ts', "\n/** What an allowed-model pattern may look like: \"*\", \"openai/*\", \"openai/gpt-4o\". */\nexport const MODEL_PATTERN = '^[A-Za-z0-9*][A-Za-z0-9._:*/-]*$'\nexport const MODEL_PATTERN_MAX_LENGTH = 200\n", ''],
  ['schemas/access-keys.ts', "import { MODEL_PATTERN, MODEL_PATTERN_MAX_LENGTH } from '#keys/key-secrets.js'\n", ''],
  ['schemas/access-keys.ts', "import { NullableInteger, NullableNumber } from './nullable.js'\n",
    "import { NullableInteger, NullableNumber } from './nullable.js'\n\n/** What an allowed-model pattern may look like: \"*\", \"openai/*\", \"openai/gpt-4o\". */\nexport const MODEL_PATTERN = '^[A-Za-z0-9*][A-Za-z0-9._:*/-]*$'\nexport const MODEL_PATTERN_MAX_LENGTH = 200\n"],
  ['keys/access-keys.ts', "import { MODEL_PATTERN, MODEL_PATTERN_MAX_LENGTH, displayPrefix, generateSecret, hashSecret, modelMatcher } from './key-secrets.js'",
    "import { MODEL_PATTERN, MODEL_PATTERN_MAX_LENGTH } from '#schemas/access-keys.js'\nimport { displayPrefix, generateSecret, hashSecret, modelMatcher } from './key-secrets.js'"],
  // ConfigError is an error like the others: keys/ throws it without reaching into config.ts (which re-exports it)
  ['errors.ts', 'export function reasonFor (status: number): string {',
    "/** A configuration the server cannot start with: server.ts exits 78 (EX_CONFIG) with its message. */\nexport class ConfigError extends Error {\n  override name = 'ConfigError'\n}\n\nexport function reasonFor (status: number): string {"],
  ['config.ts', "export class ConfigError extends Error {\n  override name = 'ConfigError'\n}\n", 'export { ConfigError }\n'],
  ['config.ts', "import { isIP } from 'node:net'\n", "import { isIP } from 'node:net'\nimport { ConfigError } from '#errors.js'\n"],
  ['keys/server-secret.ts', "import { ConfigError } from '#config.js'", "import { ConfigError } from '#errors.js'"],
  ['keys/jwt-settings.ts', "import { ConfigError, type Config } from '#config.js'", "import type { Config } from '#config.js'\nimport { ConfigError } from '#errors.js'"],
  // sending a stream is not the AIGNE dialect's: every client family's route uses it, beside streamBody
  ['protocols/aigne/route.ts', `\n${SEND_EVENT_STREAM}`, ''],
  ['protocols/aigne/route.ts', "import type { FastifyReply, FastifyRequest } from 'fastify'", "import type { FastifyRequest } from 'fastify'"],
  ['protocols/aigne/route.ts', "import { streamBody, type StreamFormat } from '#upstream/stream-body.js'\nimport type { ChatChunkStream } from '#upstream/types.js'\n", ''],
  ['upstream/stream-body.ts', '  return body\n}\n', `  return body\n}\n\n${SEND_EVENT_STREAM}`],
  ['upstream/stream-body.ts', "import { Readable } from 'node:stream'\n", "import { Readable } from 'node:stream'\nimport type { FastifyReply } from 'fastify'\n"],
  ['protocols/aikit/routes.ts', "import { aigneConfig, sendEventStream } from '../aigne/route.js'", "import { aigneConfig } from '../aigne/route.js'\nimport { sendEventStream } from '#upstream/stream-body.js'"],
  ['routes/api/v2/chat/index.ts', "import { aigneConfig, allowedEnvelopeModel, sendEventStream } from '#protocols/aigne/route.js'",
    "import { aigneConfig, allowedEnvelopeModel } from '#protocols/aigne/route.js'\nimport { sendEventStream } from '#upstream/stream-body.js'"],
  ['routes/api/v2/chat/completions/index.ts', "import { sendEventStream } from '#protocols/aigne/route.js'", "import { sendEventStream } from '#upstream/stream-body.js'"]
]


function git (...args) { return execFileSync('git', args, { encoding: 'utf8' }) }
function fail (message) { console.error(`relayout: ${message}`); process.exit(1) }

// ---- docs (--docs, after the move): README keeps the newcomer's page; the long sections go to docs/ -------------
/** README section → doc, and the pointer left in its place. Security model is optional (a ### under "Using it"). */
const DOCS = [
  { title: 'Security model', file: 'docs/security.md', optional: true, pointer: 'Who can do what, how keys and secrets are kept, and what is logged: [docs/security.md](docs/security.md).' },
  { title: 'Benchmark', file: 'docs/benchmark.md', pointer: '`npm run bench` measures Hubgate against a bare proxy and a minimal gateway on the same machine; the method, the latest numbers and the soak test are in [docs/benchmark.md](docs/benchmark.md).' },
  { title: 'Scale-out deployment', file: 'docs/scale-out.md', pointer: 'Any number of replicas behind a load balancer share Postgres and Redis (`docker compose up --build --scale gateway=3`); what each shared service holds and how a replica failure is survived: [docs/scale-out.md](docs/scale-out.md).' },
  { title: 'Architecture', file: 'docs/architecture.md', pointer: 'The folders, the layer rule `npm test` checks, and one streamed chat call walked file by file: [docs/architecture.md](docs/architecture.md).' }
]

const ARCHITECTURE = `Each folder names what the gateway does; a behaviour is one hop from a folder name.

\`\`\`
app.ts server.ts config.ts   compose the layers, start and drain, environment → typed config
errors.ts           every HUB_* error code and its status, once (@fastify/error)
schemas/            wire contracts (TypeBox, pure data): OpenAI, AIGNE, admin API, errors, principals
store/              Kysely over SQLite or Postgres: migrations (additive only), one repository per table
keys/               access keys, key secrets and model patterns, service JWTs, server secret, secret box
catalog/            built-in providers, priced models and what a call costs
upstream/           HTTP pool with the SSRF guard, SSE parsing, decoded streams, payloads, client signal
providers/          one folder per upstream wire format (openai-compatible/, anthropic/, gemini/)
gateway/            one model call: registry, credentials, admission interface, retries, fallbacks,
                    circuit breakers, the call meter and its usage event
metering/           admission (budgets, tokens per minute), usage recorder and journal;
                    ledger/, token-window/, concurrency/: one interface, memory.ts and redis.ts backends
protocols/          client dialects ↔ the internal OpenAI shape: aigne/, aikit/ (legacy v1 routes)
admin-sso/          OIDC sign-in for the admin UI, admin sessions, its settings
http/               Fastify plumbing app.ts wires in: lazy logger, log redaction, framework error bodies
plugins/external/   third-party plugins: OpenAPI/docs, helmet, CORS, rate limit, load shedding, OpenTelemetry
plugins/app/        one fp plugin per decorator: store, access keys, auth, audit, errors, providers, catalog,
                    metering, metrics, Redis, admin UI and SSO, lifecycle
routes/             URL = folder: routes/api/admin/access-keys → /api/admin/access-keys
cli/                operator CLI (\`npm run keys\`)
ui/                 admin web UI (Vite + React), its own npm package, built into dist/ui
test/               mirrors the tree; test/helpers has build(t), the mock providers and shared setup;
                    end-to-end suites in test/e2e/{scale,ui,server}
bench/              benchmark harness (\`npm run bench\`), not part of the image
\`\`\`

## Imports and layers

Folders import each other through package.json subpath imports (\`#keys/access-keys.js\`, \`#errors.js\`), never
\`../../../\`; within a folder, \`./x.js\`. Each entry has two targets: the \`hubgate-ts\` condition maps to the
TypeScript source (tsc sets it as a \`customConditions\`, tap passes \`--conditions=hubgate-ts\` to node), and
\`default\` maps to the compiled file under dist/, which is what \`node dist/server.js\` and the image run.

Layers point one way; a folder imports lower layers and itself only:

\`\`\`
schemas, errors.ts ← store ← keys, catalog, upstream ← providers ← gateway ← metering, protocols, admin-sso
  ← http, plugins ← routes
\`\`\`

app.ts, server.ts, config.ts, cli/, bench/ and test/ compose the layers and sit outside them. dependency-cruiser
checks the rule and the absence of import cycles in \`npm test\` (\`npm run depcruise\`, rules in
.dependency-cruiser.cjs); the violations that remain are listed, one by one, in
.dependency-cruiser-known-violations.json, and any new one fails the check.

## One streamed chat call, file by file

\`POST /api/v2/chat/completions\` with \`"stream": true\`:

1. **plugins/** — \`plugins/app/request-hygiene.ts\` and \`plugins/app/auth.ts\` (one \`onRequest\` hook) check the
   request and the access key; the principal lands on \`request.principal\`.
2. **routes/** — \`routes/api/v2/chat/completions/index.ts\` validates the body against \`schemas/chat.ts\`, checks
   the key may use the model and hands the call to \`app.providers\` (\`plugins/app/providers.ts\`).
3. **gateway/** — \`gateway/service.ts\` resolves \`provider/model\` (\`gateway/registry.ts\`), asks admission
   (\`gateway/admission.ts\`, implemented by \`metering/admission.ts\`), picks a credential (\`gateway/credentials.ts\`)
   and runs the attempt with retries, fallbacks and breakers (\`gateway/retry.ts\`, \`gateway/fallback.ts\`,
   \`gateway/circuit-breaker.ts\`).
4. **providers/** — \`providers/openai-compatible/index.ts\` (or \`anthropic/\`, \`gemini/\`) builds the upstream request
   and decodes its stream into OpenAI chunks.
5. **upstream/** — \`upstream/http.ts\` sends it through the pool; \`upstream/sse.ts\` and \`upstream/decoded-stream.ts\`
   parse the body as it arrives; the route's \`sendEventStream\` (\`upstream/stream-body.ts\`) writes each chunk in
   the client's format (\`openAIStreamFormat\`, \`upstream/sse.ts\`), the client's backpressure pausing the upstream.

When the stream ends, \`gateway/call-meter.ts\` emits one usage event (\`gateway/usage-events.ts\`); metering
(\`plugins/app/metering.ts\`, \`metering/usage-recorder.ts\`) records it and settles the reservation.

## How it works
`

function splitReadme () {
  let readme = readFileSync('README.md', 'utf8')
  const lines = () => readme.split('\n')
  for (const doc of DOCS) {
    const all = lines()
    const start = all.findIndex((l) => /^#{2,3} /.test(l) && l.replace(/^#+ /, '') === doc.title)
    if (start < 0) { if (doc.optional) continue; fail(`README.md has no "${doc.title}" section`) }
    const level = all[start].indexOf(' ')
    let end = all.findIndex((l, i) => i > start && /^#{1,6} /.test(l) && l.indexOf(' ') <= level)
    if (end < 0) end = all.length
    let body = all.slice(start + 1, end).join('\n').replace(/^\n+|\n+$/g, '')
      .replace(/^(#{2,6}) /gm, (_, hashes) => `${hashes.slice(level - 1)} `)
    if (doc.file === 'docs/architecture.md') body = ARCHITECTURE + '\n' + body.replace(/^```\n[^]*?\n```\n+/, '')
    execFileSync('mkdir', ['-p', 'docs'])
    writeFileSync(doc.file, `# ${doc.title}\n\n${body}\n`)
    readme = [...all.slice(0, start + 1), '', doc.pointer, '', ...all.slice(end)].join('\n')
  }
  readme = readme.replace(/under\s+Benchmark\)/, 'in docs/benchmark.md)')
  writeFileSync('README.md', readme)
  const dockerfile = readFileSync('Dockerfile', 'utf8')
  writeFileSync('Dockerfile', dockerfile.replace('(README, "Benchmark")', '(docs/benchmark.md, "Memory")'))
  git('rm', '-q', 'scripts/relayout.mjs') // its work is done; `git log -- scripts/relayout.mjs` keeps it
  git('add', '-A')
  if (process.argv.includes('--commit')) git('commit', '-q', '-m', 'Docs (#22): README keeps the newcomer\'s page; architecture (with a streamed chat call walked file by file), benchmark, scale-out and security move to docs/\n\nMade by `node scripts/relayout.mjs --docs --commit`.')
  console.log(`relayout: ${DOCS.filter((d) => existsSync(d.file)).map((d) => d.file).join(', ')} written`)
}

if (!existsSync('package.json') || JSON.parse(readFileSync('package.json', 'utf8')).name !== 'hubgate') fail('run me at the repo root')
if (git('status', '--porcelain', '--untracked-files=no').trim() !== '') fail('the work tree is not clean; commit or stash first')
if (process.argv.includes('--docs')) {
  splitReadme()
  process.exit(0)
}
if (!existsSync('lib')) fail('lib/ is gone: this checkout is already in the domain layout (docs: --docs)')

const tracked = git('ls-files').split('\n').filter(Boolean)

/** Where each tracked file goes (identity for files that stay). */
function destination (file) {
  if (MOVES[file] !== undefined) return MOVES[file]
  for (const [pattern, target] of RULES) if (pattern.test(file)) return file.replace(pattern, target)
  return file
}
const moved = new Map(tracked.map((f) => [f, destination(f)]))
for (const [from, into] of Object.entries(MERGES)) if (moved.has(from)) moved.set(from, into)

const covered = (f) => MOVES[f] !== undefined || MERGES[f] !== undefined || RULES.some(([pattern]) => pattern.test(f))
const uncovered = tracked.filter((f) => /^(lib|providers)\/.*\.ts$/.test(f) && !covered(f))
if (uncovered.length > 0) fail(`no rule says where these go; add them to MOVES or RULES:\n  ${uncovered.join('\n  ')}`)
const targets = new Map()
for (const [from, to] of moved) {
  if (MERGES[from] !== undefined) continue
  if (targets.has(to)) fail(`${from} and ${targets.get(to)} would both become ${to}`)
  targets.set(to, from)
}
for (const [from, into] of Object.entries(MERGES)) if (!targets.has(into)) fail(`merge target ${into} of ${from} is not moved there by MOVES`)

// ---- imports ------------------------------------------------------------------------------------------------------
const CODE = /\.(ts|tsx|mts|mjs)$/
const SPECIFIER = /((?:\bfrom|\bimport)\s*\(?\s*)(['"])(\.{1,2}\/[^'"]+)\2/g
const isSource = (f) => CODE.test(f) && !f.startsWith('ui/') && !f.startsWith('node_modules/') && f !== 'scripts/relayout.mjs'
const isText = (f) => !f.startsWith('ui/') && (/\.(md|ya?ml|conf|json)$/.test(f) || ['Dockerfile', '.ci/run'].includes(f)) && !/package(-lock)?\.json$/.test(f)
const top = (f) => (f.includes('/') ? f.slice(0, f.indexOf('/')) : '')

/** The specifier `importer` (new path) uses for `target` (new path). */
function specifierFor (importer, target) {
  const js = target.replace(/\.tsx?$/, '.js')
  const root = !target.includes('/') && ROOT_MODULES.includes(target.replace(/\.ts$/, ''))
  const aliased = FOLDERS.includes(top(target)) || root
  const sameFolder = dirname(importer) === dirname(target)
  if (sameFolder) return `./${posix.basename(js)}`
  if (aliased && !(top(importer) === top(target) && top(target) !== '' && isNested(importer, target))) return `#${js}`
  const rel = posix.relative(posix.dirname(importer), js)
  return rel.startsWith('.') ? rel : `./${rel}`
}
/** Within one folder's own subfolders (providers/anthropic → providers/chunks) a short relative path reads better. */
function isNested (importer, target) { return top(importer) === top(target) && !importer.startsWith('test/') && posix.relative(posix.dirname(importer), target).split('/').filter((p) => p === '..').length <= 1 }

function rewriteImports (oldPath, newPath, text) {
  return text.replace(SPECIFIER, (whole, lead, quote, spec) => {
    if (!/\.js$/.test(spec)) return whole
    const oldTarget = posix.normalize(posix.join(posix.dirname(oldPath), spec)).replace(/\.js$/, '.ts')
    const exists = moved.has(oldTarget) ? oldTarget : moved.has(oldTarget + 'x') ? oldTarget + 'x' : undefined
    if (exists === undefined) fail(`${oldPath}: cannot resolve import ${spec}`)
    return `${lead}${quote}${specifierFor(newPath, moved.get(exists))}${quote}`
  })
}

/** Mentions of moved files in comments, strings and docs ("lib/data-dir-lock.ts"). */
function rewriteMentions (text) {
  return text.replace(/\b(?:lib|providers|test)\/[A-Za-z0-9_./-]+\.ts\b/g, (path) => moved.get(path) ?? path)
}

/** Two imports of one module (two old files now one, or merged) become one statement. */
function mergeDuplicateImports (text) {
  const first = new Map()
  const lines = text.split('\n')
  const dropped = new Set()
  lines.forEach((line, i) => {
    const m = /^import (type )?\{ ([^}]+) \} from '([^']+)'$/.exec(line)
    if (m === null) return
    const key = `${m[1] ?? ''}${m[3]}`
    if (!first.has(key)) { first.set(key, i); return }
    const at = first.get(key)
    const names = new Set([...lines[at].match(/\{ ([^}]+) \}/)[1].split(', '), ...m[2].split(', ')])
    lines[at] = lines[at].replace(/\{ [^}]+ \}/, `{ ${[...names].join(', ')} }`)
    dropped.add(i)
  })
  return lines.filter((_, i) => !dropped.has(i)).join('\n')
}

const contents = new Map()
for (const [from, to] of moved) {
  if (!isSource(from) && !isText(from)) continue
  let text = readFileSync(from, 'utf8')
  if (isSource(from)) text = rewriteImports(from, to, text)
  contents.set(from, rewriteMentions(text))
}

// merged files: the merged file's body (imports rewritten for its new place) appended to its target's
for (const [from, into] of Object.entries(MERGES)) {
  const body = contents.get(from)
  const source = targets.get(into)
  const imports = body.split('\n').filter((l) => /^import /.test(l))
  const rest = body.split('\n').filter((l) => !/^import /.test(l)).join('\n').replace(/^\n+/, '')
  let head = contents.get(source)
  const headImports = head.split('\n').filter((l) => /^import /.test(l))
  for (const line of imports) {
    const fromModule = line.match(/from '([^']+)'/)?.[1]
    const same = headImports.find((h) => h.includes(`from '${fromModule}'`))
    if (same === undefined) head = head.replace(headImports.at(-1) ?? '', `${headImports.at(-1)}\n${line}`)
    else if (same !== line) head = head.replace(same, line.length > same.length ? line : same)
  }
  contents.set(source, `${head.replace(/\n+$/, '')}\n\n${rest}`)
  contents.delete(from)
}
for (const [from, text] of contents) contents.set(from, mergeDuplicateImports(text))

for (const [file, before, after] of PATCHES) {
  const from = targets.get(file) ?? file
  const text = contents.get(from)
  if (text === undefined || !text.includes(before)) fail(`patch of ${file} no longer applies; its text changed:\n${before}`)
  contents.set(from, text.replace(before, () => after))
}

// ---- write: git mv, then the rewritten texts --------------------------------------------------------------------
for (const [from, to] of moved) {
  if (MERGES[from] !== undefined) { git('rm', '-q', from); continue }
  if (from === to) continue
  execFileSync('mkdir', ['-p', dirname(to)])
  git('mv', from, to)
}
for (const [from, text] of contents) writeFileSync(moved.get(from), text)
// git mv leaves the emptied folders behind
for (const dir of new Set([...moved.keys()].map((f) => dirname(f)).sort((a, b) => b.length - a.length))) {
  if (dir !== '.' && existsSync(dir) && readdirSync(dir).length === 0) rmdirSync(dir)
}

// ---- configuration ---------------------------------------------------------------------------------------------
const pkg = JSON.parse(readFileSync('package.json', 'utf8'))
const imports = {}
for (const name of ROOT_MODULES) imports[`#${name}.js`] = { [SOURCE_CONDITION]: `./${name}.ts`, default: `./dist/${name}.js` }
for (const folder of FOLDERS.filter((f) => f !== 'bench' && f !== 'cli')) imports[`#${folder}/*`] = { [SOURCE_CONDITION]: `./${folder}/*`, default: `./dist/${folder}/*` }
const ordered = {}
for (const [key, value] of Object.entries(pkg)) {
  ordered[key] = value
  if (key === 'bin') ordered.imports = imports
}
ordered.imports = imports
ordered.scripts.test = 'tsc --noEmit && depcruise --config .dependency-cruiser.cjs --ignore-known .dependency-cruiser-known-violations.json . && tap'
ordered.scripts.depcruise = 'depcruise --config .dependency-cruiser.cjs --ignore-known .dependency-cruiser-known-violations.json .'
ordered.tap['node-arg'] = [`--conditions=${SOURCE_CONDITION}`]
const importLines = Object.entries(imports).map(([name, targets]) => `    ${JSON.stringify(name)}: { ${Object.entries(targets).map(([c, t]) => `"${c}": "${t}"`).join(', ')} }`)
writeFileSync('package.json', `${JSON.stringify(ordered, null, 2)}\n`.replace(/"imports": \{[^]*?\n {2}\}/, `"imports": {\n${importLines.join(',\n')}\n  }`))

// tsconfig*.json: only the include lists and the source condition change
const folders = FOLDERS.filter((f) => existsSync(f))
for (const file of ['tsconfig.json', 'tsconfig.build.json']) {
  let text = readFileSync(file, 'utf8')
  const withTests = text.includes('"test/**/*.ts"')
  const include = ['*.ts', ...folders.map((f) => `${f}/**/*.ts`), ...(withTests ? ['test/**/*.ts'] : [])]
  text = text.replace(/"include": \[[^\]]*\]/, `"include": [${include.map((g) => JSON.stringify(g)).join(', ')}]`)
  if (file === 'tsconfig.json') {
    if (!text.includes('"types": ["node"]')) fail('tsconfig.json: "types": ["node"] is gone; say where customConditions goes')
    text = text.replace('"types": ["node"]', `"types": ["node"],\n    "customConditions": ["${SOURCE_CONDITION}"]`)
  }
  writeFileSync(file, text)
}

if (existsSync('lib')) fail('lib/ still holds files after the move')
git('add', '-A')
if (process.argv.includes('--commit')) {
  git('commit', '-q', '-m', 'Domain layout (#22): move lib/ and providers/ into keys/ catalog/ upstream/ providers/ gateway/ metering/ protocols/ admin-sso/ http/ store/; subpath imports; test/ mirrors the tree\n\nMade by `node scripts/relayout.mjs --commit`.')
}
console.log(`relayout: ${[...moved].filter(([a, b]) => a !== b).length} files moved, ${Object.keys(MERGES).length} merged`)

