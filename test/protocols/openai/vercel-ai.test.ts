import { createOpenAI } from '@ai-sdk/openai'
import { createOpenAICompatible } from '@ai-sdk/openai-compatible'
import { APICallError, generateText, jsonSchema, streamText, tool, type LanguageModel } from 'ai'
import { test } from 'tap'
import { expectGatewayErrors, listeningGateway, UPSTREAMS, weatherParameters, type ListeningGateway } from './setup.js'

const getWeather = tool({ description: 'Current weather in a city', inputSchema: jsonSchema<{ city: string }>(weatherParameters) })

/** The two ways the Vercel AI SDK reaches an OpenAI-compatible Chat Completions API (its default `openai(model)` is the Responses API). */
const CLIENTS: Array<[string, (gw: ListeningGateway, model: string) => LanguageModel]> = [
  ['@ai-sdk/openai .chat()', (gw, model) => createOpenAI({ apiKey: gw.key, baseURL: `${gw.origin}/v1` }).chat(model)],
  ['@ai-sdk/openai-compatible', (gw, model) => createOpenAICompatible({ name: 'hubgate', apiKey: gw.key, baseURL: `${gw.origin}/v1` }).chatModel(model)]
]

for (const [name, modelFor] of CLIENTS) {
  for (const upstream of UPSTREAMS) {
    test(`${name} at ${upstream.provider}: generateText, streamText and a tool call`, async (t) => {
      const gw = await listeningGateway(t, upstream.provider)
      const model = modelFor(gw, upstream.bareModel)

      gw.mock.respond(upstream.text('Hello from the mock.'))
      const answer = await generateText({ model, prompt: 'hi', maxRetries: 0 })
      t.equal(answer.text, 'Hello from the mock.')
      t.ok((answer.usage.inputTokens ?? 0) > 0, 'usage is reported')

      gw.mock.respond(upstream.text('Streamed over SSE.'))
      const streamed = streamText({ model, prompt: 'hi', maxRetries: 0 })
      let text = ''
      for await (const piece of streamed.textStream) text += piece
      t.equal(text, 'Streamed over SSE.')

      gw.mock.respond(upstream.toolCall('call_7', 'get_weather', { city: 'Lima' }))
      const called = await generateText({ model, prompt: 'weather in Lima?', tools: { get_weather: getWeather }, maxRetries: 0 })
      t.match(called.toolCalls, [{ toolName: 'get_weather', input: { city: 'Lima' } }])
      t.equal(called.finishReason, 'tool-calls')
    })
  }

  test(`${name}: a bad key, a 400, a 404 and a 429 show the gateway's message`, async (t) => {
    const gw = await listeningGateway(t)
    const failure = async (model: LanguageModel, settings: { temperature?: number } = {}): Promise<APICallError> => {
      const err = await generateText({ model, prompt: 'hi', maxRetries: 0, ...settings }).then(() => undefined, (e: unknown) => e)
      if (!APICallError.isInstance(err)) throw new Error(`expected an APICallError, got ${String(err)}`)
      return err
    }
    await expectGatewayErrors(t, gw, async (model, temperature) => {
      const err = await failure(modelFor(gw, model), temperature === undefined ? {} : { temperature })
      return { status: err.statusCode, message: err.message }
    })

    const denied = await failure(modelFor({ ...gw, key: 'hgk_not-a-key-at-all-0123456789abcdefghijklmnop' }, 'gpt-4o-mini'))
    t.equal(denied.statusCode, 401)
    // the 401 body is the seeds' exact one, not OpenAI's shape, so the SDK shows the status text and keeps the body
    t.equal(denied.message, 'Unauthorized')
    t.same(JSON.parse(denied.responseBody ?? ''), { error: 'Unauthorized', message: 'Authentication token is invalid or missing.' })
  })
}
