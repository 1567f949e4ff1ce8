import OpenAI from 'openai'
import { test } from 'tap'
import { adminCall } from '../../helpers/build.js'
import { EXPECTED, listeningGateway, UPSTREAMS, upstreamRateLimit, weatherParameters } from './setup.js'

const weatherTool = { type: 'function' as const, function: { name: 'get_weather', parameters: weatherParameters } }

for (const upstream of UPSTREAMS) {
  test(`openai Node SDK at ${upstream.provider} through the /v1 base URL with a bare model name: chat, stream, tools`, async (t) => {
    const gw = await listeningGateway(t, upstream.provider)
    const client = new OpenAI({ apiKey: gw.key, baseURL: `${gw.origin}/v1`, maxRetries: 0 })

    gw.mock.respond(upstream.text('Hello from the mock.'))
    const completion = await client.chat.completions.create({ model: upstream.bareModel, messages: [{ role: 'user', content: 'hi' }] })
    t.equal(completion.choices[0]?.message.content, 'Hello from the mock.')
    t.equal(completion.choices[0]?.message.refusal, null, 'message.refusal is there, null (OpenAI\'s spec requires it)')
    t.equal(completion.choices[0]?.logprobs, null, 'logprobs too')
    t.match(gw.usage.at(-1), { model: `${upstream.provider}/${upstream.bareModel}`, provider: upstream.provider }, 'metered as the resolved model')

    gw.mock.respond(upstream.text('Streamed over SSE.'))
    const stream = await client.chat.completions.create({ model: upstream.bareModel, messages: [{ role: 'user', content: 'hi' }], stream: true })
    let text = ''
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? ''
    t.equal(text, 'Streamed over SSE.')

    gw.mock.respond(upstream.toolCall('call_7', 'get_weather', { city: 'Lima' }))
    const runner = client.chat.completions.stream({ model: upstream.bareModel, messages: [{ role: 'user', content: 'weather?' }], tools: [weatherTool] })
    const call = (await runner.finalChatCompletion()).choices[0]?.message.tool_calls?.[0]
    t.equal(call?.type === 'function' ? call.function.name : undefined, 'get_weather')
    t.same(call?.type === 'function' ? JSON.parse(call.function.arguments) : undefined, { city: 'Lima' })
  })
}

test('openai Node SDK at the root base URL: errors carry the gateway\'s message, type, code and param', async (t) => {
  const gw = await listeningGateway(t)
  const client = new OpenAI({ apiKey: gw.key, baseURL: gw.origin, maxRetries: 0 })
  const fail = async (body: Record<string, unknown>): Promise<InstanceType<typeof OpenAI.APIError>> =>
    await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], ...body } as never)
      .then(() => { throw new Error('expected an error') }, (err: InstanceType<typeof OpenAI.APIError>) => err)

  const bad = await fail({ temperature: 5 })
  t.ok(bad instanceof OpenAI.BadRequestError)
  t.match(bad.message, EXPECTED.badRequest)
  t.match(bad, { type: 'invalid_request_error', param: 'temperature' })

  const missing = await fail({ model: 'gpt-9-imaginary' })
  t.ok(missing instanceof OpenAI.NotFoundError)
  t.match(missing.message, EXPECTED.notFound)
  t.match(missing, { type: 'invalid_request_error', code: 'model_not_found', param: null })

  gw.mock.respond(upstreamRateLimit())
  const limited = await fail({})
  t.ok(limited instanceof OpenAI.RateLimitError)
  t.match(limited.message, EXPECTED.rateLimited)
  t.match(limited, { type: 'rate_limit_error', code: 'HUB_UPSTREAM_RATE_LIMITED' })

  const stranger = new OpenAI({ apiKey: 'hgk_not-a-key-at-all-0123456789abcdefghijklmnop', baseURL: `${gw.origin}/v1`, maxRetries: 0 })
  const denied = await stranger.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }).catch((err: unknown) => err)
  t.ok(denied instanceof OpenAI.AuthenticationError, 'a bad key is a 401')
  t.equal(gw.mock.requests.length, 1, 'only the rate-limited call reached the provider')
})

test('openai Node SDK: models.list at /v1 lists what the key may use, aliases included', async (t) => {
  const gw = await listeningGateway(t)
  const alias = await adminCall(gw.app, { method: 'POST', url: '/api/admin/models', payload: { id: 'openai/gpt-4o', aliases: ['smart'] } })
  t.equal(alias.statusCode, 201)
  const client = new OpenAI({ apiKey: gw.key, baseURL: `${gw.origin}/v1`, maxRetries: 0 })
  const ids: string[] = []
  for await (const model of client.models.list()) ids.push(model.id)
  t.ok(ids.includes('openai/gpt-4o-mini'))
  t.ok(ids.includes('smart'), 'a catalog alias is listed under its own name')
  t.same(await client.models.retrieve('smart'), { id: 'smart', object: 'model', created: 0, owned_by: 'openai' })
  const missing = await client.models.retrieve('nope').catch((err: unknown) => err)
  t.ok(missing instanceof OpenAI.NotFoundError)
  t.match(missing, { code: 'model_not_found' })
})
