import { request } from 'node:http'
import type { AddressInfo } from 'node:net'
import Anthropic from '@anthropic-ai/sdk'
import { test } from 'tap'
import type { FastifyInstance } from 'fastify'
import { anthropicMock } from '../../helpers/mock-anthropic.js'
import { openAIMock } from '../../helpers/mock-openai.js'
import { geminiMock } from '../../helpers/mock-gemini.js'
import { gatewayWithMock, type Gateway } from '../../helpers/gateway.js'

/*
 * The official @anthropic-ai/sdk, given the gateway as its base URL (as Claude Code is with ANTHROPIC_BASE_URL),
 * against a listening gateway whose provider is a loopback mock: Anthropic natively, OpenAI-compatible and Gemini translated.
 */

async function listen (app: FastifyInstance): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' })
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
}

/** The SDK at a listening `gw`, with its key or another one. */
async function clientsFor (gw: Gateway): Promise<(apiKey?: string) => Anthropic> {
  const baseURL = await listen(gw.app)
  return (apiKey = gw.key) => new Anthropic({ apiKey, authToken: null, baseURL, maxRetries: 0 })
}

const weather: Anthropic.Tool = { name: 'get_weather', description: 'Weather in a city', input_schema: { type: 'object', properties: { city: { type: 'string' } } } }

const UPSTREAMS = [
  {
    name: 'Anthropic (passed through)',
    provider: 'anthropic' as const,
    basePath: '',
    model: 'claude-sonnet-4-5',
    text: (text: string) => anthropicMock.answer({ text, usage: { input_tokens: 11, output_tokens: 4, cache_read_input_tokens: 7 } }, { pieceSize: 9 }),
    tool: () => anthropicMock.answer({ toolUses: [{ id: 'toolu_5', name: 'get_weather', input: { city: 'Lima' } }] }),
    error: (status: number, message: string) => anthropicMock.error(status, status === 404 ? 'not_found_error' : status === 429 ? 'rate_limit_error' : 'invalid_request_error', message)
  },
  {
    name: 'OpenAI-compatible (translated)',
    provider: 'openai' as const,
    basePath: '/v1',
    model: 'openai/gpt-4o-mini',
    text: (text: string) => openAIMock.answer({ content: text }, { pieceSize: 9 }),
    tool: () => openAIMock.answer({ toolCalls: [{ id: 'call_5', name: 'get_weather', arguments: '{"city":"Lima"}' }] }),
    error: (status: number, message: string) => openAIMock.error(status, message)
  },
  {
    name: 'Gemini (translated)',
    provider: 'gemini' as const,
    basePath: '/v1beta',
    model: 'gemini/gemini-2.5-flash',
    text: (text: string) => geminiMock.answer({ text: text.split(/(?= )/) }),
    tool: () => geminiMock.answer({ functionCalls: [{ name: 'get_weather', args: { city: 'Lima' } }] }),
    error: (status: number, message: string) => geminiMock.error(status, message, status === 404 ? 'NOT_FOUND' : status === 429 ? 'RESOURCE_EXHAUSTED' : 'INVALID_ARGUMENT')
  }
]

for (const upstream of UPSTREAMS) {
  test(`@anthropic-ai/sdk with an ${upstream.name} upstream: create, stream, tools, countTokens, errors`, async (t) => {
    const gw = await gatewayWithMock(t, upstream.provider, {}, upstream.basePath)
    const clientWith = await clientsFor(gw)
    const client = clientWith()
    const model = upstream.model

    gw.mock.respond(upstream.text('Hello from the mock.'))
    const message = await client.messages.create({ model, max_tokens: 100, system: 'Be brief.', messages: [{ role: 'user', content: 'Hello' }] })
    t.equal(message.type, 'message')
    t.same(message.content.map((b) => b.type === 'text' ? b.text : b.type), ['Hello from the mock.'])
    t.equal(message.stop_reason, 'end_turn')
    t.ok(message.usage.input_tokens > 0 && message.usage.output_tokens > 0, 'usage reported')

    gw.mock.respond(upstream.text('Streamed over SSE.'))
    const stream = client.messages.stream({ model, max_tokens: 100, messages: [{ role: 'user', content: 'Stream' }] })
    let text = ''
    stream.on('text', (delta) => { text += delta })
    const final = await stream.finalMessage()
    t.equal(text, 'Streamed over SSE.')
    t.equal(final.stop_reason, 'end_turn')
    t.ok(final.usage.output_tokens > 0)

    gw.mock.respond(upstream.tool())
    const toolStream = client.messages.stream({ model, max_tokens: 100, tools: [weather], messages: [{ role: 'user', content: 'Weather in Lima?' }] })
    const withTool = await toolStream.finalMessage()
    const use = withTool.content.find((b) => b.type === 'tool_use')
    t.match(use, { type: 'tool_use', name: 'get_weather', input: { city: 'Lima' } })
    t.equal(withTool.stop_reason, 'tool_use')

    gw.mock.respond(upstream.tool())
    const created = await client.messages.create({ model, max_tokens: 100, tools: [weather], tool_choice: { type: 'any' }, messages: [{ role: 'user', content: 'Weather in Lima?' }] })
    t.match(created.content.find((b) => b.type === 'tool_use'), { name: 'get_weather', input: { city: 'Lima' } })

    gw.mock.respond(upstream.text('unused'))
    const counted = await client.messages.countTokens({ model, messages: [{ role: 'user', content: 'How many tokens is this?' }] })
    t.ok(counted.input_tokens > 0, `counted ${counted.input_tokens}`)

    for (const [status, type, message] of [[400, Anthropic.BadRequestError, 'max_tokens is too large'], [404, Anthropic.NotFoundError, 'model missing-model not found'], [429, Anthropic.RateLimitError, 'quota exhausted']] as const) {
      gw.mock.respond(upstream.error(status, message))
      const failure = await client.messages.create({ model, max_tokens: 100, messages: [{ role: 'user', content: 'Hi' }] }).catch((err: unknown) => err)
      t.ok(failure instanceof type, `${status}: ${String(failure)}`)
      t.equal((failure as InstanceType<typeof Anthropic.APIError>).status, status)
      t.match((failure as Error).message, message, 'the SDK shows the real message')
    }

    const badKey = clientWith('hgk_not-a-key-0123456789abcdef')
    const refused = await badKey.messages.create({ model, max_tokens: 10, messages: [{ role: 'user', content: 'Hi' }] }).catch((err: unknown) => err)
    t.ok(refused instanceof Anthropic.AuthenticationError)
    t.equal((refused as InstanceType<typeof Anthropic.APIError>).status, 401)
  })
}

test('the gateway\'s own 400 reaches the SDK with its message; two x-api-key headers are refused', async (t) => {
  const gw = await gatewayWithMock(t, 'anthropic', {}, '')
  const client = (await clientsFor(gw))()
  const failure = await client.messages.create({ model: 'nope/x', max_tokens: 10, messages: [{ role: 'user', content: 'Hi' }] }).catch((err: unknown) => err)
  t.ok(failure instanceof Anthropic.BadRequestError)
  t.match((failure as Error).message, /Unknown provider "nope"/)
  t.equal((failure as InstanceType<typeof Anthropic.APIError>).type, 'invalid_request_error')

  const { port } = gw.app.server.address() as AddressInfo
  const status = await new Promise<number>((resolve, reject) => {
    const req = request({ port, host: '127.0.0.1', method: 'POST', path: '/v1/messages', headers: [['x-api-key', gw.key], ['x-api-key', gw.key], ['content-type', 'application/json']] as never }, (res) => {
      res.resume()
      resolve(res.statusCode ?? 0)
    })
    req.on('error', reject)
    req.end(JSON.stringify({ model: 'anthropic/claude-sonnet-4-5', max_tokens: 10, messages: [{ role: 'user', content: 'Hi' }] }))
  })
  t.equal(status, 401)
  t.equal(gw.mock.requests.length, 0)
})
