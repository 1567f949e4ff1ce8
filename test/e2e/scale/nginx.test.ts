import { once } from 'node:events'
import { request, type IncomingMessage } from 'node:http'
import t0, { test } from 'tap'
import { ADMIN_KEY, UNAUTHORIZED } from '../../helpers/build.js'
import { openAIChunks, openAIMock } from '../../helpers/mock-openai.js'
import { needs, needsAll } from '../../helpers/services.js'
import { chatBody, needsPostgresAndRedis, startCluster } from './cluster.js'
import { startLoadBalancer } from './nginx.js'

const REPLICAS = 3
// three gateway processes compiling the TypeScript tree at once dominate this file's time on a 2-core machine
t0.setTimeout(240_000)

/** Skipped (or failed in CI) unless Postgres, Redis and nginx are all there. */
function needsClusterAndNginx (): { skip: string | false } {
  return needsAll(needsPostgresAndRedis(), needs('NGINX_PATH', 'nginx'))
}

const CHAT_ROUTE = /^hubgate_http_requests_total\{method="POST",route="\/api\/v2\/chat\/completions",status="200"\} (\d+)$/m

/** A POST of a JSON body from the client address `localAddress` (any 127.x.x.x on Linux loopback). */
async function postFrom (localAddress: string, url: string, headers: Record<string, string>, body: unknown): Promise<{ status: number, json: any }> {
  const req = request(url, { method: 'POST', localAddress, headers: { 'content-type': 'application/json', ...headers } })
  req.end(JSON.stringify(body))
  const [res] = await once(req, 'response') as [IncomingMessage]
  let text = ''
  for await (const piece of res) text += String(piece)
  return { status: res.statusCode ?? 0, json: JSON.parse(text) }
}

test('the shipped deploy/nginx.conf in front of three real replicas', needsClusterAndNginx(), async (t) => {
  // TRUST_PROXY as docker-compose.yml sets it
  const cluster = await startCluster(t, REPLICAS, { TRUST_PROXY: 'true' })
  cluster.mock.respond(openAIMock.answer({ content: 'ok' }))
  const lb = await startLoadBalancer(t, cluster.replicas.map((replica) => new URL(replica.url).host))
  const admin = { authorization: `Bearer ${ADMIN_KEY}` }
  const post = async (path: string, key: string, body: unknown): Promise<Response> =>
    await fetch(`${lb.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) })
  /** Chat calls each replica has answered 200, read from its own /metrics (not through nginx). */
  const servedChats = async (): Promise<number[]> => await Promise.all(cluster.replicas.map(async (replica) => {
    const metrics = await (await fetch(`${replica.url}/metrics`, { headers: admin })).text()
    return Number(CHAT_ROUTE.exec(metrics)?.[1] ?? 0)
  }))
  const issued = await post('/api/admin/access-keys', ADMIN_KEY, { name: 'through-nginx', scopes: ['chat'] })
  t.equal(issued.status, 201, 'an access key is issued through nginx')
  const { id: keyId, key } = await issued.json() as { id: string, key: string }

  await t.test('a key issued through nginx works for chat through nginx, and the calls are spread over the replicas', async (t) => {
    const before = await servedChats()
    const statuses = []
    for (let n = 0; n < 9; n++) {
      const res = await post('/api/v2/chat/completions', key, chatBody)
      t.equal((await res.json() as { choices: Array<{ message: { content: string } }> }).choices[0]?.message.content, 'ok')
      statuses.push(res.status)
    }
    t.same(statuses, Array(9).fill(200))
    const served = (await servedChats()).map((count, i) => count - (before[i] ?? 0))
    t.equal(served.reduce((a, b) => a + b, 0), 9, `each call served once (per replica: ${served.join(', ')})`)
    t.ok(served.filter((count) => count > 0).length > 1, 'more than one replica served')
  })

  await t.test('401 through nginx is exactly the gateway\'s body, with its WWW-Authenticate', async (t) => {
    for (const authorization of [undefined, 'Bearer hgk_not-a-key']) {
      const res = await fetch(`${lb.url}/api/v2/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(authorization === undefined ? {} : { authorization }) },
        body: JSON.stringify(chatBody)
      })
      t.equal(res.status, 401)
      t.match(res.headers.get('www-authenticate'), /^Bearer /)
      t.equal(await res.text(), JSON.stringify(UNAUTHORIZED))
    }
  })

  await t.test('the audit log records the client address nginx forwards, not nginx\'s and not one the client claims', async (t) => {
    // the client connects from 127.0.0.2; nginx reaches the replicas from 127.0.0.1
    const forged = { 'x-forwarded-for': '203.0.113.9' }
    const created = await postFrom('127.0.0.2', `${lb.url}/api/admin/access-keys`, { ...admin, ...forged }, { name: 'audited', scopes: ['chat'] })
    t.equal(created.status, 201)
    const res = await fetch(`${lb.url}/api/admin/audit?action=access_key.created&targetId=${String(created.json.id)}`, { headers: admin })
    const { items } = await res.json() as { items: Array<{ ip: string | null }> }
    t.same(items.map((item) => item.ip), ['127.0.0.2'])
  })

  await t.test('a streamed chat arrives through nginx as it is produced and ends with [DONE]', async (t) => {
    // the provider sends its first chunk, then holds the rest until the client has seen that chunk
    let release: () => void = () => {}
    const released = new Promise<void>((resolve) => { release = resolve })
    const chunks = openAIChunks({ content: 'one, two, three' }, false).map((data) => `data: ${data}\n\n`)
    cluster.mock.respond(async (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' })
      res.write(chunks[0])
      await released
      for (const chunk of chunks.slice(1)) res.write(chunk)
      res.end('data: [DONE]\n\n')
    })
    t.teardown(() => { release(); cluster.mock.respond(openAIMock.answer({ content: 'ok' })) })
    const res = await post('/api/v2/chat/completions', key, { ...chatBody, stream: true })
    t.equal(res.status, 200)
    t.match(res.headers.get('content-type'), /^text\/event-stream/)
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader()
    // nginx buffering the answer would hold this first read until the provider ends, which it never does unreleased.
    // Two things keep it unbuffered, each enough alone: the config's proxy_buffering off and the gateway's
    // X-Accel-Buffering: no on every stream (which nginx honours and strips), so this cannot tell them apart
    const first = await Promise.race([reader.read(), new Promise<never>((_resolve, reject) => setTimeout(() => reject(new Error('no chunk within 10 s: the stream is buffered')), 10_000))])
    t.match(first.value, /^data: \{/, 'the first chunk arrived while the provider still held the rest')
    release()
    let text = first.value ?? ''
    for (let piece = await reader.read(); !piece.done; piece = await reader.read()) text += piece.value
    t.ok(text.endsWith('data: [DONE]\n\n'), 'the stream ends with data: [DONE]')
    t.match(text, /"content":"one, "/)
  })

  await t.test('with one replica SIGKILLed, calls through nginx keep succeeding and none reaches the provider twice', async (t) => {
    const victim = cluster.replicas[REPLICAS - 1]!
    const victimAddress = new URL(victim.url).host
    const exited = once(victim.process, 'exit')
    victim.process.kill('SIGKILL')
    await exited
    const providerCallsBefore = cluster.mock.requests.length
    const calls = 12
    const statuses = await Promise.all(Array.from({ length: calls }, async () => {
      const res = await post('/api/v2/chat/completions', key, chatBody)
      await res.arrayBuffer()
      return res.status
    }))
    t.same(statuses, Array(calls).fill(200), 'every call succeeded')
    t.equal(cluster.mock.requests.length - providerCallsBefore, calls, 'the provider got each call once: no POST was replayed')
    // nginx tried the dead replica, was refused, and passed the request on (logged as "dead, live" and "502, 200")
    const retried = lb.accessLog().filter((line) => line.includes(`upstream=${victimAddress}, `))
    t.ok(retried.length >= 1, `nginx retried a refused connection on another replica: ${retried.join(' | ')}`)
    t.ok(retried.every((line) => line.startsWith('POST /api/v2/chat/completions 200 ') && line.endsWith('upstream_status=502, 200')))
    const audited = await fetch(`${lb.url}/api/admin/audit?targetId=${keyId}`, { headers: admin })
    t.equal(audited.status, 200, 'admin calls keep working too')
  })
})
