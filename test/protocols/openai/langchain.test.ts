import { ChatOpenAI } from '@langchain/openai'
import { test } from 'tap'
import { expectGatewayErrors, listeningGateway, UPSTREAMS, weatherParameters, type ListeningGateway, type SeenError } from './setup.js'

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
  const failure = async (model: ChatOpenAI): Promise<SeenError> =>
    await model.invoke('hi').then(() => { throw new Error('expected an error') }, (err: Error & { status?: number }) => ({ status: err.status, message: err.message }))

  await expectGatewayErrors(t, gw, async (model, temperature) => await failure(chat(gw, model, temperature === undefined ? {} : { temperature })))
  const denied = await failure(chat({ ...gw, key: 'hgk_not-a-key-at-all-0123456789abcdefghijklmnop' }, 'gpt-4o-mini'))
  t.equal(denied.status, 401)
})
