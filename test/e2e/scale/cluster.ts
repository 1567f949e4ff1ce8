import type { ChildProcess } from 'node:child_process'
import { ADMIN_KEY, tempDir, type TestContext } from '../../helpers/build.js'
import { startMock, type MockServer } from '../../helpers/mock-server.js'
import { startTs, waitForOutput } from '../../helpers/run-ts.js'
import { needs, needsAll, postgresEnv, serviceUrl } from '../../helpers/services.js'
import { redisPrefix } from '../../helpers/redis.js'

export const MODEL = 'openai/gpt-4o-mini'

/** Test options for a cluster: skipped (or failed in CI) unless both Postgres and Redis are there. */
export function needsPostgresAndRedis (): { skip: string | false } {
  return needsAll(needs('TEST_DATABASE_URL', 'Postgres'), needs('TEST_REDIS_URL', 'Redis'))
}

export interface Replica {
  url: string
  process: ChildProcess
  /** Its environment, DATA_DIR (its own volume) included: what a restart reuses. */
  env: Record<string, string>
}

export interface CallOptions { method?: string, body?: unknown, headers?: Record<string, string> }

export interface Cluster {
  replicas: Replica[]
  mock: MockServer
  /** The Postgres env every replica shares (its own schema, dropped on teardown). */
  database: { DATABASE_URL: string, DATABASE_SCHEMA: string }
  /** fetch against replica `index` (JSON body, bearer key). */
  call: (index: number, path: string, key: string, options?: CallOptions) => Promise<Response>
  /** Starts replica `index` again (after a kill) with the same environment and DATA_DIR, as an orchestrator with a volume would. */
  restart: (index: number) => Promise<void>
  /** Issues an access key through replica 0's admin API. */
  issueKey: (body: Record<string, unknown>) => Promise<{ id: string, key: string }>
}

/**
 * `count` real gateway processes (server.ts, as deployed) on one Postgres schema and one Redis key prefix, with
 * OpenAI pointed at a loopback mock; all killed on teardown. Started together, as an orchestrator would.
 */
export async function startCluster (t: TestContext, count: number, env: Record<string, string> = {}): Promise<Cluster> {
  const redisUrl = serviceUrl('TEST_REDIS_URL')
  const mock = await startMock(t, '/v1')
  const pg = postgresEnv(t, serviceUrl('TEST_DATABASE_URL'))
  const shared = {
    ...pg,
    REDIS_URL: redisUrl,
    REDIS_KEY_PREFIX: redisPrefix(t, redisUrl),
    ADMIN_KEY,
    OPENAI_API_KEY: 'sk-test-provider-openai-0123456789',
    OPENAI_BASE_URL: mock.url,
    LOG_LEVEL: 'info',
    PORT: '0',
    CATALOG_REFRESH_MS: '200',
    USAGE_FLUSH_MS: '100',
    // three replicas plus the load on a 2-core CI machine: shedding would turn test traffic into 503s
    MAX_EVENT_LOOP_DELAY_MS: '0',
    ...env
  }
  const start = async (env: Record<string, string>): Promise<Replica> => {
    const child = startTs('server.ts', [], env)
    t.teardown(() => { child.kill('SIGKILL') })
    const [, url] = await waitForOutput(child, /Server listening at (http:\/\/127\.0\.0\.1:\d+)/, 90_000)
    // keep reading its logs so a full pipe never stalls it
    child.stdout?.resume()
    child.stderr?.resume()
    return { url: url ?? '', process: child, env }
  }
  const replicas = await Promise.all(Array.from({ length: count }, async () => await start({ ...shared, DATA_DIR: tempDir(t) })))
  const restart = async (index: number): Promise<void> => {
    const replica = replicas[index]
    if (replica === undefined) throw new Error(`no replica ${index}`)
    replicas[index] = await start(replica.env)
  }
  const call = async (index: number, path: string, key: string, options: CallOptions = {}): Promise<Response> =>
    await fetch(`${replicas[index]?.url ?? ''}${path}`, {
      method: options.method ?? (options.body === undefined ? 'GET' : 'POST'),
      headers: { authorization: `Bearer ${key}`, ...(options.body === undefined ? {} : { 'content-type': 'application/json' }), ...options.headers },
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) })
    })
  const issueKey = async (body: Record<string, unknown>): Promise<{ id: string, key: string }> => {
    const res = await call(0, '/api/admin/access-keys', ADMIN_KEY, { body })
    if (res.status !== 201 && res.status !== 200) throw new Error(`issuing a key failed: ${res.status} ${await res.text()}`)
    return await res.json() as { id: string, key: string }
  }
  return { replicas, mock, database: { DATABASE_URL: pg.DATABASE_URL ?? '', DATABASE_SCHEMA: pg.DATABASE_SCHEMA ?? '' }, call, restart, issueKey }
}

export const chatBody = { model: MODEL, max_tokens: 100, messages: [{ role: 'user', content: 'count to three' }] }

/** A chat call through replica `index` (with `requestId` as its x-request-id); answers the status (0 when the connection failed). */
export async function chat (cluster: Cluster, index: number, key: string, requestId?: string): Promise<number> {
  try {
    const res = await cluster.call(index, '/api/v2/chat/completions', key, { body: chatBody, ...(requestId === undefined ? {} : { headers: { 'x-request-id': requestId } }) })
    await res.arrayBuffer()
    return res.status
  } catch {
    return 0
  }
}
