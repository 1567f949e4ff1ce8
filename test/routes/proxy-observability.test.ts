import { test } from 'tap'
import { ADMIN_KEY, bearer, issueKey } from '../helpers/build.js'
import { byPath, openAIMediaMock } from '../helpers/mock-media.js'
import { openAIMock } from '../helpers/mock-openai.js'
import { gatewayWithMock } from '../helpers/gateway.js'

const SERVER_TIMING = /^gateway;dur=\d+(\.\d)?, upstream;dur=\d+(\.\d)?$/

function durations (header: unknown): { gateway: number, upstream: number } {
  const [, gateway, upstream] = /gateway;dur=([\d.]+), upstream;dur=([\d.]+)/.exec(String(header)) ?? []
  return { gateway: Number(gateway), upstream: Number(upstream) }
}

test('every proxied answer carries Server-Timing: chat (JSON and stream), AIGNE, embeddings, images, legacy', async (t) => {
  const gw = await gatewayWithMock(t, 'openai')
  const { key } = await issueKey(gw.app, { scopes: ['chat', 'embeddings', 'images'] })
  gw.mock.respond(byPath({
    '/chat/completions': openAIMock.answer({ content: 'timed' }),
    '/embeddings': openAIMediaMock.embeddings(),
    '/images/generations': openAIMediaMock.images({ url: 'https://images.example/1.png' })
  }))
  const calls: Array<[string, string, Record<string, unknown>, Record<string, string>?]> = [
    ['chat completions', '/api/v2/chat/completions', { model: 'openai/gpt-4o', messages: [{ role: 'user', content: 'hi' }] }],
    ['chat completions, streamed', '/api/v2/chat/completions', { model: 'openai/gpt-4o', stream: true, messages: [{ role: 'user', content: 'hi' }] }],
    ['AIGNE chat', '/api/v2/chat', { input: { messages: [{ role: 'user', content: 'hi' }], modelOptions: { model: 'openai/gpt-4o' } } }],
    ['AIGNE chat, streamed', '/api/v2/chat', { input: { messages: [{ role: 'user', content: 'hi' }], modelOptions: { model: 'openai/gpt-4o' } }, options: { streaming: true } }],
    ['embeddings', '/api/v2/embeddings', { model: 'openai/text-embedding-3-small', input: 'hi' }],
    ['images', '/api/v2/images/generations', { model: 'openai/dall-e-3', prompt: 'a cat' }],
    ['legacy chat', '/api/v1/chat/completions', { model: 'gpt-4o', prompt: 'hi' }],
    ['legacy chat, streamed', '/api/v1/chat/completions', { model: 'gpt-4o', prompt: 'hi' }, { accept: 'text/event-stream' }]
  ]
  for (const [name, url, payload, headers] of calls) {
    const res = await gw.app.inject({ method: 'POST', url, headers: { ...bearer(key), ...headers }, payload })
    t.equal(res.statusCode, 200, name)
    t.match(res.headers['server-timing'], SERVER_TIMING, name)
  }
  t.equal(gw.mock.requests.length, calls.length)
})

test('Server-Timing splits the provider\'s time from ours, and is set on an upstream failure too', async (t) => {
  const gw = await gatewayWithMock(t, 'openai', { UPSTREAM_RETRIES: '0' })
  gw.mock.respond(async (req, res) => {
    await new Promise((resolve) => setTimeout(resolve, 200)) // a slow provider
    await openAIMock.answer({ content: 'slow' })(req, res)
  })
  const res = await gw.chat({ model: 'openai/gpt-4o', messages: [{ role: 'user', content: 'hi' }] })
  const { upstream } = durations(res.headers['server-timing'])
  t.ok(upstream >= 200, 'the provider\'s delay is counted as upstream time')

  gw.mock.respond(openAIMock.error(500, 'down'))
  const failed = await gw.chat({ model: 'openai/gpt-4o', messages: [{ role: 'user', content: 'hi' }] })
  t.equal(failed.statusCode, 502)
  t.match(failed.headers['server-timing'], SERVER_TIMING)

  const health = await gw.app.inject({ url: '/health/live' })
  t.equal(health.headers['server-timing'], undefined, 'only proxied answers carry it')
})

test('metrics of proxied calls come from usage events; unknown model names never become labels', async (t) => {
  const gw = await gatewayWithMock(t, 'openai')
  gw.mock.respond(openAIMock.answer({ content: 'counted', usage: { prompt_tokens: 11, completion_tokens: 7 } }))
  t.equal((await gw.chat({ model: 'openai/gpt-4o', messages: [{ role: 'user', content: 'hi' }] })).statusCode, 200)
  t.equal((await gw.chat({ model: 'openai/gpt-4o', stream: true, messages: [{ role: 'user', content: 'hi' }] })).statusCode, 200)
  t.equal((await gw.chat({ model: 'nosuch/model-x1', messages: [{ role: 'user', content: 'hi' }] })).statusCode, 400)

  const body = (await gw.app.inject({ url: '/metrics', headers: bearer(ADMIN_KEY) })).body
  t.match(body, /hubgate_upstream_requests_total\{provider="openai",model="openai\/gpt-4o",status="200"\} 2/)
  t.match(body, /hubgate_upstream_requests_total\{provider="\(none\)",model="\(none\)",status="400"\} 1/)
  t.notMatch(body, /model-x1|nosuch/, 'a name the client typed is not a label')
  t.match(body, /hubgate_tokens_total\{provider="openai",model="openai\/gpt-4o",type="prompt"\} 22/)
  t.match(body, /hubgate_tokens_total\{provider="openai",model="openai\/gpt-4o",type="completion"\} 14/)
  t.match(body, /hubgate_upstream_latency_seconds_count\{provider="openai"\} 2/)
  t.match(body, /hubgate_upstream_ttfb_seconds_count\{provider="openai"\} 2/)
  t.match(body, /hubgate_inflight_streams 0/)
  t.match(body, /hubgate_provider_breaker_state\{provider="openai"\} 0/)
  // the chat key: looked up once (miss), then answered from the cache
  t.match(body, /hubgate_key_cache_lookups_total\{result="miss"\} [1-9]/)
  t.match(body, /hubgate_key_cache_lookups_total\{result="hit"\} [1-9]/)
})

test('an open stream is counted in hubgate_inflight_streams until it ends', async (t) => {
  const gw = await gatewayWithMock(t, 'openai')
  let release: () => void = () => {}
  const gate = new Promise<void>((resolve) => { release = resolve })
  gw.mock.respond(async (req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' })
    res.write('data: {"id":"x","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"a"},"finish_reason":null}]}\n\n')
    await gate
    res.end('data: [DONE]\n\n')
  })
  await gw.app.listen({ host: '127.0.0.1', port: 0 })
  const { port } = gw.app.server.address() as { port: number }
  const streaming = await fetch(`http://127.0.0.1:${port}/api/v2/chat/completions`, {
    method: 'POST',
    headers: { ...bearer(gw.key), 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'openai/gpt-4o', stream: true, messages: [{ role: 'user', content: 'hi' }] })
  })
  t.equal(streaming.status, 200)
  const scrape = async (): Promise<string> => (await gw.app.inject({ url: '/metrics', headers: bearer(ADMIN_KEY) })).body
  t.match(await scrape(), /hubgate_inflight_streams 1/)
  release()
  t.match(await streaming.text(), /\[DONE\]/)
  t.match(await scrape(), /hubgate_inflight_streams 0/)
})
