import { ChatOpenAI } from '@langchain/openai'
import { test } from 'tap'
import { EXPECTED, listeningGateway, UPSTREAMS, upstreamRateLimit, weatherParameters, type ListeningGateway } from './setup.js'

const chat = (gw: ListeningGateway, model: string, options: { temperature?: number } = {}): ChatOpenAI =>
  new ChatOpenAI({ model, apiKey: gw.key, configuration: { baseURL: `${gw.origin}/v1` }, maxRetries: 0, ...options })

const weatherTool = { type: 'function' as const, function: { name: 'get_weather', description: 'Current weather in a city', parameters: weatherParameters } }

for (const upstream of UPSTREAMS) {
  test(`LangChain ChatOpenAI (Chat Completions) at ${upstream.provider}: invoke, stream and a tool call`, async (t) => {
    const gw = await listeningGateway(t, upstream.provider)
    const model = chat(gw, upstream.bareModel)

    gw.mock.respond(upstream.text('Hello from the mock.'))
    const answer = await model.invoke('hi')
    t.equal(answer.content, 'Hello from the mock.')
    t.ok((answer.usage_metadata?.input_tokens ?? 0) > 0, 'usage is reported')

    gw.mock.respond(upstream.text('Streamed over SSE.'))
    let text = ''
    for await (const chunk of await model.stream('hi')) text += typeof chunk.content === 'string' ? chunk.content : ''
    t.equal(text, 'Streamed over SSE.')

    gw.mock.respond(upstream.toolCall('call_7', 'get_weather', { city: 'Lima' }))
    const called = await model.bindTools([weatherTool]).invoke('weather in Lima?')
    t.match(called.tool_calls, [{ name: 'get_weather', args: { city: 'Lima' } }])
  })
}

test('LangChain ChatOpenAI: a bad key, a 400, a 404 and a 429 show the gateway\'s message', async (t) => {
  const gw = await listeningGateway(t)
  const failure = async (model: ChatOpenAI): Promise<Error & { status?: number }> =>
    await model.invoke('hi').then(() => { throw new Error('expected an error') }, (err: Error & { status?: number }) => err)

  const bad = await failure(chat(gw, 'gpt-4o-mini', { temperature: 5 }))
  t.equal(bad.status, 400)
  t.match(bad.message, EXPECTED.badRequest)

  const missing = await failure(chat(gw, 'gpt-9-imaginary'))
  t.equal(missing.status, 404)
  t.match(missing.message, EXPECTED.notFound)

  gw.mock.respond(upstreamRateLimit())
  const limited = await failure(chat(gw, 'openai/gpt-4o-mini'))
  t.equal(limited.status, 429)
  t.match(limited.message, EXPECTED.rateLimited)

  const denied = await failure(chat({ ...gw, key: 'hgk_not-a-key-at-all-0123456789abcdefghijklmnop' }, 'gpt-4o-mini'))
  t.equal(denied.status, 401)
})
