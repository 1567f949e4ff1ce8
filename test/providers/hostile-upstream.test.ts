import { test } from 'tap'
import { bearer, issueKey } from '../helpers/build.js'
import { sendJson } from '../helpers/mock-server.js'
import { gatewayWithMock } from '../helpers/gateway.js'

/*
 * Providers that answer 200 with JSON of the wrong shape (or SSE events of the wrong shape), through each client
 * family's route (OpenAI-compatible, AIGNE, V1): the answer is relayed, or refused as the provider's failure
 * (502), never a 500 or an "internal error" event; and usage is never metered from counts that are not counts.
 */

const ANSWERS: unknown[] = [
  {}, [], null, 'text', 42, { choices: null }, { choices: [{}] }, { choices: [{ message: null }] }, { choices: [{ message: { content: 5 } }] },
  { choices: [{ message: { content: 'hi', tool_calls: [{}] } }] }, { usage: 'x' }, { usage: { prompt_tokens: 'a', completion_tokens: -5 } },
  { usage: { prompt_tokens: 1e308, completion_tokens: 1e308 } }, { content: null }, { content: [{}] }, { content: [{ type: 'text', text: 5 }] },
  { content: [{ type: 'tool_use' }] }, { usage: null, content: [] }, { candidates: null }, { candidates: [{}] },
  { candidates: [{ content: { parts: null } }] }, { candidates: [{ content: { parts: [{ functionCall: {} }] } }] }, { usageMetadata: { promptTokenCount: 'x' } }
]
const STREAMS = [
  'data: {}\n\n', 'data: []\n\n', 'data: null\n\n', 'data: 5\n\n', 'data: {"choices":null}\n\n', 'data: {"choices":[{"delta":null}]}\n\n',
  'data: {"choices":[],"usage":{"prompt_tokens":"x","completion_tokens":-1}}\n\n', 'event: message_start\ndata: {}\n\n',
  'event: content_block_delta\ndata: {"delta":null}\n\n', 'event: message_delta\ndata: {"usage":null}\n\n', 'data: {"candidates":[{"content":null}]}\n\n',
  'data: {"usageMetadata":{"promptTokenCount":-1}}\n\n', 'data: not json\n\n'
]
const ROUTES: Array<[string, (model: string, stream: boolean) => Record<string, unknown>]> = [
  ['/api/v2/chat/completions', (model, stream) => ({ model, messages: [{ role: 'user', content: 'hi' }], ...(stream ? { stream: true } : {}) })],
  ['/api/v2/chat', (model, stream) => ({ input: { messages: [{ role: 'user', content: 'hi' }], modelOptions: { model } }, ...(stream ? { options: { streaming: true } } : {}) })],
  ['/api/v1/chat/completions', (model, stream) => ({ model, messages: [{ role: 'user', content: 'hi' }], ...(stream ? { stream: true } : {}) })]
]
const PROVIDERS = [['openai', 'openai/gpt-4o', '/v1'], ['anthropic', 'anthropic/claude-sonnet-4-5', ''], ['gemini', 'gemini/gemini-2.5-flash', '/v1beta']] as const

for (const [provider, model, basePath] of PROVIDERS) {
  test(`${provider}: answers of the wrong shape are relayed or a 502, never a 500`, async (t) => {
    // no retries, and a breaker that never opens: every case reaches the mock
    const gw = await gatewayWithMock(t, provider, { UPSTREAM_RETRIES: '0', BREAKER_FAILURES: '1000000' }, basePath)
    const failures: string[] = []
    for (const [path, body] of ROUTES) {
      const cases = [
        ...ANSWERS.map((answer) => ({ what: JSON.stringify(answer), stream: false, respond: () => { gw.mock.respond((_req, res) => { sendJson(res, 200, answer) }) } })),
        ...STREAMS.map((events) => ({ what: JSON.stringify(events), stream: true, respond: () => { gw.mock.respond((_req, res) => { res.writeHead(200, { 'content-type': 'text/event-stream' }).end(events) }) } }))
      ]
      for (const { what, stream, respond } of cases) {
        respond()
        const res = await gw.app.inject({ method: 'POST', url: path, headers: bearer(gw.key), payload: body(model, stream) })
        if (res.statusCode >= 500 && res.statusCode !== 502) failures.push(`${path} ${what} -> ${res.statusCode}`)
        if (/internal error/.test(res.body)) failures.push(`${path} ${what} -> "internal error" in the answer`)
      }
    }
    t.same(failures, [], 'no 500 and no internal error, whatever the provider sent')
    const counts = gw.usage.flatMap((event) => [event.promptTokens, event.completionTokens, event.totalTokens])
    t.ok(counts.length > 0 && counts.every((n) => Number.isSafeInteger(n) && n >= 0), 'every metered count is a whole, non-negative number')
  })
}

const MEDIA_ANSWERS: unknown[] = [
  {}, [], null, 'text', 42, { data: null }, { data: [null] }, { data: [{}] }, { data: [{ embedding: [1, 'a'] }] }, { data: [{ b64_json: 5 }] },
  { usage: 'x', data: [] }, { usage: null, data: [] }, { embedding: null }, { embeddings: null }, { embeddings: [{}] }, { embeddings: [{ values: 'x' }] },
  { embeddings: [{ values: [1] }], usageMetadata: { promptTokenCount: 'x' } }
]
const MEDIA_ROUTES: Array<[provider: 'openai' | 'gemini', path: string, body: Record<string, unknown>]> = [
  ['openai', '/api/v2/embeddings', { model: 'openai/text-embedding-3-small', input: 'hi' }],
  ['openai', '/api/v2/embeddings', { input: { input: 'hi', modelOptions: { model: 'openai/text-embedding-3-small' } } }],
  ['openai', '/api/v1/embeddings', { model: 'openai/text-embedding-3-small', input: 'hi' }],
  ['openai', '/api/v2/images/generations', { model: 'openai/dall-e-3', prompt: 'a cat' }],
  ['openai', '/api/v2/image', { input: { prompt: 'a cat', modelOptions: { model: 'openai/dall-e-3' } } }],
  ['openai', '/api/v1/image/generations', { model: 'openai/dall-e-3', prompt: 'a cat' }],
  ['gemini', '/api/v2/embeddings', { model: 'gemini/gemini-embedding-001', input: ['hi', 'there'] }]
]

for (const provider of ['openai', 'gemini'] as const) {
  test(`${provider}: embeddings and images answers of the wrong shape are a 502, never a 500`, async (t) => {
    const gw = await gatewayWithMock(t, provider, { UPSTREAM_RETRIES: '0', BREAKER_FAILURES: '1000000' }, provider === 'openai' ? '/v1' : '/v1beta')
    const { key } = await issueKey(gw.app, { scopes: ['embeddings', 'images'] })
    const failures: string[] = []
    for (const [, path, body] of MEDIA_ROUTES.filter(([p]) => p === provider)) {
      for (const answer of MEDIA_ANSWERS) {
        gw.mock.respond((_req, res) => { sendJson(res, 200, answer) })
        const res = await gw.app.inject({ method: 'POST', url: path, headers: bearer(key), payload: body })
        if (res.statusCode >= 500 && res.statusCode !== 502) failures.push(`${path} ${JSON.stringify(answer)} -> ${res.statusCode}`)
        if (res.statusCode < 200 || (res.statusCode >= 300 && res.statusCode !== 502)) failures.push(`${path} ${JSON.stringify(answer)} -> unexpected ${res.statusCode}`)
      }
    }
    t.same(failures, [], 'relayed or refused as the provider\'s failure')
  })
}
