import { execFile } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { promisify } from 'node:util'
import { test, type Test } from 'tap'
import { AIGNEHubChatModel } from '@aigne/aigne-hub'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { hashSecret, displayPrefix } from '#keys/key-secrets.js'
import { BUILTIN_PROVIDERS } from '#catalog/builtin-providers.js'
import { PriceList } from '#catalog/price-list.js'
import { openAIMock } from '../../helpers/mock-openai.js'
import { issueKey } from '../../helpers/build.js'
import { gatewayWithMock, type Gateway } from '../../helpers/gateway.js'
import { listen } from './setup.js'

/*
 * The AIGNE Hub docs' examples as written (test/routes/aigne/seeds/: the two authentication pages, verbatim), run
 * against a listening gateway: only the URL's origin is replaced. Their placeholder keys are made real keys.
 */

const run = promisify(execFile)
const SEEDS = new URL('./seeds/', import.meta.url)

/** The first fenced bash block of a page that runs curl, as one shell command. */
function curlExample (page: string): string {
  const text = readFileSync(new URL(page, SEEDS), 'utf8')
  const block = /```bash[^\n]*\n(curl [\s\S]*?)\n```/.exec(text)
  if (block?.[1] === undefined) throw new Error(`no curl example in ${page}`)
  return block[1]
}

/** The command's words as a POSIX shell splits them (quotes, backslash-newline), for the fallback without curl. */
function shellWords (command: string): string[] {
  const words: string[] = []
  const pattern = /'([^']*)'|"((?:\\.|[^"\\])*)"|\\\n|(\S+?)(?=\s|'|"|$)|(\s+)/gy
  let word: string | undefined
  for (const [, single, double, bare, space] of command.matchAll(pattern)) {
    if (space !== undefined) {
      if (word !== undefined) words.push(word)
      word = undefined
    } else if (single !== undefined || double !== undefined || bare !== undefined) {
      word = (word ?? '') + (single ?? double?.replace(/\\(["\\$`])/g, '$1') ?? bare)
    }
  }
  if (word !== undefined) words.push(word)
  return words
}

/** What curl prints for the command: curl itself when the machine has it, else a fetch of the same request. */
async function curl (command: string): Promise<string> {
  const hasCurl = await run('sh', ['-c', 'command -v curl']).then(() => true, () => false)
  if (hasCurl) return (await run('sh', ['-c', command])).stdout
  const [, ...args] = shellWords(command)
  const headers: Record<string, string> = {}
  let method = 'GET'
  let url = ''
  let body: string | undefined
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string
    if (arg === '-X') method = args[++i] as string
    else if (arg === '-H') {
      const [name, ...value] = (args[++i] as string).split(':')
      headers[name as string] = value.join(':').trim()
    } else if (arg === '-d') body = args[++i]
    else url = arg
  }
  // curl -d strips CR and LF from data it reads from a file only: an argument is sent as written
  return await (await fetch(url, { method, headers, body })).text()
}

/** Makes `secret` a valid access key of `app` with the chat scope, as if an operator had been given that exact secret. */
async function seedKey (app: FastifyInstance, secret: string): Promise<void> {
  await app.store.accessKeys.insert({
    id: randomUUID(), name: `seed ${secret}`, prefix: displayPrefix(secret), hash: hashSecret(app.serverSecret, secret),
    scopes: ['chat'], models: ['*'], expiresAt: null, createdAt: new Date().toISOString()
  })
}

test('without curl, the fallback sends what curl would: the same method, URL, headers and body bytes', async (t) => {
  const words = shellWords(curlExample('authentication-chat.md'))
  t.same(words.slice(0, 7), ['curl', '-X', 'POST', 'https://your-hub.com/api/v2/chat', '-H', 'Authorization: Bearer YOUR_ACCESS_KEY', '-H'])
  t.equal(words[9], '{\n    "model": "openai/gpt-4",\n    "messages": [{"role": "user", "content": "Hello!"}]\n  }')
  t.equal(shellWords(curlExample('authentication-chat-completions.md'))[3], 'https://your-aigne-hub-url/api/v2/chat/completions')
})

test('the seeds\' models are in the built-in OpenAI list and priced by the built-in price list', async (t) => {
  const openai = BUILTIN_PROVIDERS.find((p) => p.id === 'openai')
  const prices = new PriceList(1)
  for (const model of ['gpt-4', 'gpt-3.5-turbo']) {
    t.ok(openai?.defaultModels.includes(model), `openai/${model} is offered by default`)
    t.ok(prices.rates('openai', model)?.inputRate, `openai/${model} has a built-in price`)
  }
})

/** A page's curl example run against a gateway on an OpenAI mock, its placeholder key made real: what curl printed, and the gateway. */
async function runSeed (t: Test, page: string, placeholder: { origin: string, key: string }, answer: string): Promise<{ out: any, gw: Gateway }> {
  const gw = await gatewayWithMock(t, 'openai')
  await seedKey(gw.app, placeholder.key)
  const origin = await listen(gw.app)
  gw.mock.respond(openAIMock.answer({ content: answer, usage: { prompt_tokens: 11, completion_tokens: 4 } }))
  const command = curlExample(page)
  t.ok(command.includes(placeholder.origin) && command.includes(placeholder.key), 'the example as the page writes it')
  return { out: JSON.parse(await curl(command.replace(placeholder.origin, origin))), gw }
}

test('the first seed\'s curl example (flat body to /api/v2/chat/completions) answers an OpenAI completion', async (t) => {
  const { out, gw } = await runSeed(t, 'authentication-chat-completions.md', { origin: 'https://your-aigne-hub-url', key: 'your-oauth-access-key' }, 'Hello, seed one.')
  t.equal(out.object, 'chat.completion')
  t.equal(out.choices[0].message.content, 'Hello, seed one.')
  t.match(gw.mock.requests.at(-1)?.body, { model: 'gpt-3.5-turbo', messages: [{ role: 'user', content: 'Hello, AIGNE Hub!' }] })
  t.match(gw.usage.at(-1), { model: 'openai/gpt-3.5-turbo', promptTokens: 11, completionTokens: 4, status: 200 })
})

test('the second seed\'s curl example (flat body to /api/v2/chat) answers in the AIGNE output shape', async (t) => {
  const { out, gw } = await runSeed(t, 'authentication-chat.md', { origin: 'https://your-hub.com', key: 'YOUR_ACCESS_KEY' }, 'Hello, seed two.')
  t.same(out, { text: 'Hello, seed two.', usage: { inputTokens: 11, outputTokens: 4 }, model: 'openai/gpt-4' })
  t.match(gw.mock.requests.at(-1)?.body, { model: 'gpt-4', messages: [{ role: 'user', content: 'Hello!' }] })
  t.match(gw.usage.at(-1), { model: 'openai/gpt-4', streamed: false, status: 200 })
})

/*
 * The page's example names options the client does not have (`url`, `accessKey`: it reads `baseURL`, `apiKey`) and
 * passes `messages` as a string, which the client's own input check refuses. In its working form the package routes
 * an `openai/…` model through its OpenAI client at `baseURL` (the gateway serves the OpenAI routes at the root too),
 * and an `aignehub/…` one through the AIGNE protocol (/__blocklet__.js, then /api/v2/chat).
 */
test('the seeds\' Node example in its working form: AIGNEHubChatModel({ baseURL, apiKey, model }) gets the answer', async (t) => {
  const gw = await gatewayWithMock(t, 'openai')
  await seedKey(gw.app, 'your-oauth-access-key')
  const origin = await listen(gw.app)
  gw.mock.respond(openAIMock.answer({ content: 'Hi from the hub.', usage: { prompt_tokens: 5, completion_tokens: 4 } }))

  const messages = [{ role: 'user' as const, content: 'Hello, AIGNE Hub!' }]
  for (const name of ['openai/gpt-3.5-turbo', 'aignehub/openai/gpt-3.5-turbo']) {
    const model = new AIGNEHubChatModel({ baseURL: origin, apiKey: 'your-oauth-access-key', model: name })
    const result = await model.invoke({ messages })
    t.match(result, { text: 'Hi from the hub.', usage: { inputTokens: 5, outputTokens: 4 } }, name)
    t.match(gw.mock.requests.at(-1)?.body, { model: 'gpt-3.5-turbo', messages: [{ role: 'user', content: 'Hello, AIGNE Hub!' }] })
    t.match(gw.usage.at(-1), { model: 'openai/gpt-3.5-turbo', status: 200 })
  }
  t.equal(gw.usage.length, 2)
})

test('the flat body on /api/v2/chat streams AIGNE deltas with "stream": true, the same events the envelope gets', async (t) => {
  const gw = await gatewayWithMock(t, 'openai')
  const origin = await listen(gw.app)
  gw.mock.respond(openAIMock.answer({ content: 'Streamed, flat.' }))
  const call = async (body: object): Promise<string> => await (await fetch(`${origin}/api/v2/chat`, {
    method: 'POST', headers: { authorization: `Bearer ${gw.key}`, 'content-type': 'application/json' }, body: JSON.stringify(body)
  })).text()

  const messages = [{ role: 'user', content: 'hi' }]
  const flat = await call({ model: 'openai/gpt-4', messages, stream: true })
  const envelope = await call({ input: { messages, modelOptions: { model: 'openai/gpt-4' } }, options: { streaming: true } })
  t.equal(flat, envelope)
  t.match(flat, /^data: \{"delta":\{"json":\{"model":"openai\/gpt-4"\}\}\}\n\n/)
  t.match(flat, /"usage":\{"inputTokens":9,"outputTokens":12\}/)
  t.notMatch(flat, /\[DONE\]/)
  t.match(gw.usage.at(-2), { model: 'openai/gpt-4', streamed: true, status: 200 })
})

test('/api/v2/chat refuses a body that is neither form, and a bad flat body, with clear 400s; the key\'s models apply', async (t) => {
  const gw = await gatewayWithMock(t, 'openai')
  const post = async (payload: object, key = gw.key): Promise<LightMyRequestResponse> =>
    await gw.app.inject({ method: 'POST', url: '/api/v2/chat', headers: { authorization: `Bearer ${key}` }, payload })

  const neither = await post({ model: 'openai/gpt-4', prompt: 'hi' })
  t.equal(neither.statusCode, 400)
  t.match(neither.json().message, /AIGNE envelope \{"input".*or an OpenAI-style body \{"model"/)
  const noModel = await post({ messages: [{ role: 'user', content: 'hi' }] })
  t.equal(noModel.statusCode, 400)
  t.match(noModel.json().message, /model/)
  const badRole = await post({ model: 'openai/gpt-4', messages: [{ role: 'agent', content: 'hi' }] })
  t.equal(badRole.statusCode, 400)
  t.match(badRole.json().message, /must be one of: system, developer, user, assistant, tool/, 'the flat branch\'s own message')
  const badEnvelope = await post({ input: { messages: [] } })
  t.equal(badEnvelope.statusCode, 400)
  t.match(badEnvelope.json().message, /messages/, 'the envelope branch\'s own message')
  t.equal(gw.mock.requests.length, 0, 'nothing went upstream')

  const narrow = await issueKey(gw.app, { scopes: ['chat'], models: ['anthropic/*'] })
  t.equal((await post({ model: 'openai/gpt-4', messages: [{ role: 'user', content: 'hi' }] }, narrow.key)).statusCode, 401)
})
