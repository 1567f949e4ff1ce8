import type { AddressInfo } from 'node:net'
import OpenAI from 'openai'
import { createOpenAI } from '@ai-sdk/openai'
import { generateText, jsonSchema, streamText, tool } from 'ai'
import { ChatOpenAI } from '@langchain/openai'
import { test } from 'tap'
import type { FastifyInstance } from 'fastify'
import { anthropicMock } from '../../helpers/mock-anthropic.js'
import { geminiMock } from '../../helpers/mock-gemini.js'
import { openAIResponsesMock } from '../../helpers/mock-openai.js'
import { gatewayWithMock, type Gateway } from '../../helpers/gateway.js'
import type { TestContext } from '../../helpers/build.js'
import type { MockHandler } from '../../helpers/mock-server.js'

/*
 * The clients that call OpenAI's Responses API, unchanged, against a listening gateway: the openai SDK's
 * client.responses, Vercel AI SDK's default `openai(model)` and LangChain's ChatOpenAI with useResponsesApi. Each
 * does chat, a stream, a tool call and meets a bad key, for an OpenAI (native), Anthropic and Gemini upstream.
 */

async function baseUrl (app: FastifyInstance): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' })
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/api/v2`
}

interface Upstream {
  provider: 'openai' | 'anthropic' | 'gemini'
  model: string
  text: (text: string) => MockHandler
  toolCall: (id: string, name: string, args: Record<string, unknown>) => MockHandler
}

const UPSTREAMS: Upstream[] = [
  {
    provider: 'openai',
    model: 'openai/gpt-4o-mini',
    text: (text) => openAIResponsesMock.answer({ content: text }, { pieceSize: 5 }),
    toolCall: (id, name, args) => openAIResponsesMock.answer({ toolCalls: [{ id, name, arguments: JSON.stringify(args) }] })
  },
  {
    provider: 'anthropic',
    model: 'anthropic/claude-sonnet-4-5',
    text: (text) => anthropicMock.answer({ text }, { pieceSize: 5 }),
    toolCall: (id, name, input) => anthropicMock.answer({ toolUses: [{ id, name, input }] })
  },
  {
    provider: 'gemini',
    model: 'gemini/gemini-2.5-flash',
    text: (text) => geminiMock.answer({ text: text.split(/(?<= )/) }),
    toolCall: (_id, name, args) => geminiMock.answer({ functionCalls: [{ name, args }] })
  }
]

const CITY = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false } as const

async function gatewayFor (t: TestContext, upstream: Upstream): Promise<Gateway & { url: string }> {
  const gw = await gatewayWithMock(t, upstream.provider, {}, upstream.provider === 'openai' ? '/v1' : '')
  return { ...gw, url: await baseUrl(gw.app) }
}

for (const upstream of UPSTREAMS) {
  test(`openai SDK client.responses (${upstream.provider}): create, stream, tools, bad key`, async (t) => {
    const gw = await gatewayFor(t, upstream)
    const client = new OpenAI({ apiKey: gw.key, baseURL: gw.url, maxRetries: 0 })

    gw.mock.respond(upstream.text('Hello from the mock.'))
    const response = await client.responses.create({ model: upstream.model, input: 'Say hello', instructions: 'Be brief' })
    t.equal(response.output_text, 'Hello from the mock.')
    t.ok((response.usage?.input_tokens ?? 0) > 0)

    const stream = await client.responses.create({ model: upstream.model, input: 'Say hello', stream: true })
    let text = ''
    let completed: OpenAI.Responses.Response | undefined
    for await (const event of stream) {
      if (event.type === 'response.output_text.delta') text += event.delta
      if (event.type === 'response.completed') completed = event.response
    }
    t.equal(text, 'Hello from the mock.')
    t.ok((completed?.usage?.output_tokens ?? 0) > 0)

    gw.mock.respond(upstream.toolCall('call_9', 'get_weather', { city: 'Lima' }))
    const tools: OpenAI.Responses.Tool[] = [{ type: 'function', name: 'get_weather', parameters: CITY, strict: true }]
    const called = await client.responses.create({ model: upstream.model, input: 'Weather in Lima?', tools })
    const call = called.output.find((item) => item.type === 'function_call')
    t.match(call, { type: 'function_call', name: 'get_weather' })
    t.same(JSON.parse((call as { arguments: string }).arguments), { city: 'Lima' })

    gw.mock.respond(upstream.text('It is sunny in Lima.'))
    const answered = await client.responses.create({
      model: upstream.model,
      previous_response_id: called.id,
      input: [{ type: 'function_call_output', call_id: (call as { call_id: string }).call_id, output: '{"sky":"sunny"}' }],
      tools
    })
    t.equal(answered.output_text, 'It is sunny in Lima.')

    const bad = new OpenAI({ apiKey: 'hgk_not-a-key', baseURL: gw.url, maxRetries: 0 })
    const failure = await bad.responses.create({ model: upstream.model, input: 'hi' }).catch((err: unknown) => err)
    t.ok(failure instanceof OpenAI.AuthenticationError)
    t.equal(gw.usage.length, 4, 'every call metered once')
  })

  test(`Vercel AI SDK openai(model) default, Responses (${upstream.provider}): generateText, streamText, tools, bad key`, async (t) => {
    const gw = await gatewayFor(t, upstream)
    const openai = createOpenAI({ apiKey: gw.key, baseURL: gw.url })

    gw.mock.respond(upstream.text('Hello from the mock.'))
    const generated = await generateText({ model: openai(upstream.model), prompt: 'Say hello' })
    t.equal(generated.text, 'Hello from the mock.')
    t.ok((generated.usage.inputTokens ?? 0) > 0)
    t.equal(gw.mock.requests.at(-1)?.url === '/responses', upstream.provider === 'openai', 'native for OpenAI only')

    const streamed = streamText({ model: openai(upstream.model), prompt: 'Say hello' })
    t.equal(await streamed.text, 'Hello from the mock.')
    t.ok(((await streamed.usage).outputTokens ?? 0) > 0)

    gw.mock.respond(upstream.toolCall('call_3', 'get_weather', { city: 'Oslo' }))
    const withTools = await generateText({
      model: openai(upstream.model),
      prompt: 'Weather in Oslo?',
      tools: { get_weather: tool({ inputSchema: jsonSchema<{ city: string }>(CITY) }) }
    })
    t.match(withTools.toolCalls[0], { toolName: 'get_weather', input: { city: 'Oslo' } })

    const bad = createOpenAI({ apiKey: 'hgk_not-a-key', baseURL: gw.url })
    const failure = await generateText({ model: bad(upstream.model), prompt: 'hi', maxRetries: 0 }).catch((err: unknown) => err)
    t.match(failure, { statusCode: 401 })
  })

  test(`LangChain ChatOpenAI useResponsesApi (${upstream.provider}): invoke, stream, tools, bad key`, async (t) => {
    const gw = await gatewayFor(t, upstream)
    const model = new ChatOpenAI({ model: upstream.model, apiKey: gw.key, useResponsesApi: true, maxRetries: 0, configuration: { baseURL: gw.url } })

    gw.mock.respond(upstream.text('Hello from the mock.'))
    const answer = await model.invoke('Say hello')
    t.equal(answer.text, 'Hello from the mock.')
    t.ok((answer.usage_metadata?.input_tokens ?? 0) > 0)

    let text = ''
    for await (const chunk of await model.stream('Say hello')) text += chunk.text
    t.equal(text, 'Hello from the mock.')

    gw.mock.respond(upstream.toolCall('call_5', 'get_weather', { city: 'Rome' }))
    const withTools = await model.bindTools([{ type: 'function', function: { name: 'get_weather', description: 'Weather of a city', parameters: CITY } }]).invoke('Weather in Rome?')
    t.match(withTools.tool_calls?.[0], { name: 'get_weather', args: { city: 'Rome' } })

    const bad = new ChatOpenAI({ model: upstream.model, apiKey: 'hgk_not-a-key', useResponsesApi: true, maxRetries: 0, configuration: { baseURL: gw.url } })
    const failure = await bad.invoke('hi').catch((err: unknown) => err)
    t.match(failure, { status: 401 })
  })
}
