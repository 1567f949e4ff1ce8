import { AIGNEHubChatModel } from '@aigne/aigne-hub'
import { test } from 'tap'
import { readStream } from '../../routes/aigne/setup.js'
import { EXPECTED, listeningGateway, upstreamRateLimit, weatherParameters, type ListeningGateway } from './setup.js'
import { openAIMock } from '../../helpers/mock-openai.js'

const weatherTool = { type: 'function' as const, function: { name: 'get_weather', description: 'Current weather in a city', parameters: weatherParameters } }

/*
 * AIGNEHubChatModel takes two routes to the gateway, depending on the model name:
 * - `aignehub/openai/gpt-4o-mini`: the hub client, which discovers the API (/__blocklet__.js) and posts the AIGNE
 *   envelope to /api/v2/chat with model `openai/gpt-4o-mini` (or a bare `gpt-4o-mini` for `aignehub/gpt-4o-mini`);
 * - `openai/gpt-4o-mini`: the client picks its OpenAI model class, which posts Chat Completions with the bare model
 *   `gpt-4o-mini`, streamed, to `<baseURL>/chat/completions`: the gateway's root base URL and a bare name.
 */
const MODELS = [
  ['aignehub/openai/gpt-4o-mini', '/api/v2/chat, provider/model'],
  ['aignehub/gpt-4o-mini', '/api/v2/chat, bare name'],
  ['openai/gpt-4o-mini', '/chat/completions (root base URL), bare name']
] as const

const clientFor = (gw: ListeningGateway, model: string, apiKey = gw.key): AIGNEHubChatModel => new AIGNEHubChatModel({ baseURL: gw.origin, apiKey, model })

for (const [model, route] of MODELS) {
  test(`AIGNEHubChatModel "${model}" (${route}): chat, stream, tools`, async (t) => {
    const gw = await listeningGateway(t)
    const client = clientFor(gw, model)

    gw.mock.respond(openAIMock.answer({ content: 'Hello from the mock.', usage: { prompt_tokens: 8, completion_tokens: 2 } }))
    const out = await client.invoke({ messages: [{ role: 'user', content: 'hi' }] })
    t.equal(out.text, 'Hello from the mock.')
    t.match(out.usage, { inputTokens: 8, outputTokens: 2 })
    t.equal(gw.mock.requests.at(-1)?.body.model, 'gpt-4o-mini', 'the provider got its own model name')
    t.match(gw.usage.at(-1), { model: 'openai/gpt-4o-mini', provider: 'openai' }, 'metered as the resolved model')

    gw.mock.respond(openAIMock.answer({ content: 'Streamed over SSE.' }, { pieceSize: 3 }))
    const streamed = await readStream(await client.invoke({ messages: [{ role: 'user', content: 'hi' }] }, { streaming: true }) as ReadableStream)
    t.equal(streamed.text, 'Streamed over SSE.')

    gw.mock.respond(openAIMock.answer({ toolCalls: [{ id: 'call_7', name: 'get_weather', arguments: '{"city":"Lima"}' }] }))
    const called = await client.invoke({ messages: [{ role: 'user', content: 'weather in Lima?' }], tools: [weatherTool] })
    t.match(called.toolCalls, [{ id: 'call_7', type: 'function', function: { name: 'get_weather', arguments: { city: 'Lima' } } }])
  })

  test(`AIGNEHubChatModel "${model}": a bad key, a 400, a 404 and a 429 show the gateway's message`, async (t) => {
    const gw = await listeningGateway(t)
    const failure = async (client: AIGNEHubChatModel, modelOptions: Record<string, unknown> = {}): Promise<Error> =>
      await client.invoke({ messages: [{ role: 'user', content: 'hi' }], modelOptions })
        .then(() => { throw new Error('expected an error') }, (err: Error) => err)

    t.match((await failure(clientFor(gw, model), { temperature: 5 })).message, /temperature expected number to be less or equal to 2/)
    t.match((await failure(clientFor(gw, model.replace('gpt-4o-mini', 'gpt-9-imaginary').replace('openai/gpt-9', 'gpt-9')))).message,
      model.startsWith('openai/') ? /The model "gpt-9-imaginary" does not exist/ : EXPECTED.notFound)
    gw.mock.respond(upstreamRateLimit())
    t.match((await failure(clientFor(gw, model))).message, EXPECTED.rateLimited)
    t.match((await failure(clientFor(gw, model, 'hgk_not-a-key-at-all-0123456789abcdefghijklmnop'))).message, /401|Unauthorized|Authentication token is invalid/)
  })
}
