import { test } from 'tap'
import { build } from '../../helpers/build.js'
import { geminiMock } from '../../helpers/mock-gemini.js'
import { streamEvents } from '../../helpers/mock-server.js'
import { gatewayWithMock, PROVIDER_KEYS, sseChunks, sseData, streamedText } from '../../helpers/gateway.js'
import { openAIErrorLike, openAIStreamError } from '../../helpers/openai-error.js'

const model = 'gemini/gemini-2.5-flash'
const weatherTool = { type: 'function', function: { name: 'get_weather', description: 'Weather in a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, additionalProperties: false } } }

test('an OpenAI conversation is translated into a Gemini generateContent request', async (t) => {
  const gw = await gatewayWithMock(t, 'gemini', {}, '/v1beta')
  gw.mock.respond(geminiMock.answer({ text: ['ok'] }))
  const res = await gw.chat({
    model,
    messages: [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: [{ type: 'text', text: 'Look:' }, { type: 'image_url', image_url: { url: 'data:image/jpeg;base64,/9j/4AAQ' } }, { type: 'image_url', image_url: { url: 'https://example.com/a/chart.png?size=2' } }] },
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_a', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' }, extra_content: { google: { thought_signature: 'sig-abc' } } }] },
      { role: 'tool', tool_call_id: 'call_a', content: '{"temp":-3}' },
      { role: 'user', content: 'And tomorrow?' }
    ],
    tools: [weatherTool],
    tool_choice: { type: 'function', function: { name: 'get_weather' } },
    temperature: 0.5,
    top_p: 0.8,
    max_tokens: 100,
    stop: ['###'],
    seed: 3,
    n: 2,
    response_format: { type: 'json_object' }
  })
  t.equal(res.statusCode, 200)
  const upstream = gw.mock.requests[0]
  t.equal(upstream?.url, '/models/gemini-2.5-flash:generateContent', 'no ?key= in the URL')
  t.equal(upstream?.headers['x-goog-api-key'], PROVIDER_KEYS.gemini)
  t.equal(upstream?.headers.authorization, undefined)
  t.same(upstream?.body, {
    contents: [
      { role: 'user', parts: [{ text: 'Look:' }, { inlineData: { mimeType: 'image/jpeg', data: '/9j/4AAQ' } }, { fileData: { mimeType: 'image/png', fileUri: 'https://example.com/a/chart.png?size=2' } }] },
      { role: 'model', parts: [{ functionCall: { name: 'get_weather', args: { city: 'Oslo' } }, thoughtSignature: 'sig-abc' }] },
      { role: 'user', parts: [{ functionResponse: { name: 'get_weather', response: { temp: -3 } } }, { text: 'And tomorrow?' }] }
    ],
    systemInstruction: { parts: [{ text: 'Be brief.' }] },
    generationConfig: { temperature: 0.5, topP: 0.8, maxOutputTokens: 100, stopSequences: ['###'], candidateCount: 2, seed: 3, responseMimeType: 'application/json' },
    tools: [{ functionDeclarations: [{ name: 'get_weather', description: 'Weather in a city', parametersJsonSchema: weatherTool.function.parameters }] }],
    toolConfig: { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['get_weather'] } }
  })
})

test('a Gemini response is answered as an OpenAI chat.completion, thought signatures kept on tool calls', async (t) => {
  const gw = await gatewayWithMock(t, 'gemini', {}, '/v1beta')
  gw.mock.respond(geminiMock.answer({
    functionCalls: [{ name: 'get_weather', args: { city: 'Oslo' }, thoughtSignature: 'sig-1' }],
    usage: { promptTokenCount: 10, candidatesTokenCount: 4, thoughtsTokenCount: 6 }
  }))
  const res = await gw.chat({ model, messages: [{ role: 'user', content: 'weather in Oslo?' }], tools: [weatherTool] })
  const body = res.json()
  t.match(body, { id: 'chatcmpl-mcbRaIT0Dp2vz7IPtqWQwQo', object: 'chat.completion', model: 'gemini-2.5-flash' })
  const choice = body.choices[0]
  t.equal(choice.finish_reason, 'tool_calls')
  t.equal(choice.message.content, null)
  t.match(choice.message.tool_calls[0], { type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' }, extra_content: { google: { thought_signature: 'sig-1' } } })
  t.match(choice.message.tool_calls[0].id, /^call_/)
  t.same(body.usage, { prompt_tokens: 10, completion_tokens: 10, total_tokens: 20, completion_tokens_details: { reasoning_tokens: 6 } })
})

test('Gemini finish reasons map to OpenAI ones; a blocked prompt is content_filter', async (t) => {
  const gw = await gatewayWithMock(t, 'gemini', {}, '/v1beta')
  gw.mock.respond(
    geminiMock.answer({ text: ['x'], finishReason: 'MAX_TOKENS' }),
    geminiMock.answer({ text: ['x'], finishReason: 'SAFETY' }),
    (_req, res) => { res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ promptFeedback: { blockReason: 'SAFETY' }, usageMetadata: { promptTokenCount: 4 } })) }
  )
  const hi = { model, messages: [{ role: 'user', content: 'hi' }] }
  t.equal((await gw.chat(hi)).json().choices[0].finish_reason, 'length')
  t.equal((await gw.chat(hi)).json().choices[0].finish_reason, 'content_filter')
  const blocked = (await gw.chat(hi)).json()
  t.same(blocked.choices, [{ index: 0, message: { role: 'assistant', content: null, refusal: null }, logprobs: null, finish_reason: 'content_filter' }])
})

test('a Gemini SSE stream split byte by byte becomes OpenAI chunks, usage last', async (t) => {
  const gw = await gatewayWithMock(t, 'gemini', {}, '/v1beta')
  gw.mock.respond(geminiMock.answer({ text: ['Hej ', 'från ', 'Göteborg 🌧'], functionCalls: [{ name: 'get_weather', args: { city: 'Göteborg' } }], usage: { promptTokenCount: 7, candidatesTokenCount: 9 } }, { pieceSize: 1 }))
  const res = await gw.chat({ model, stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'hi' }], tools: [weatherTool] })
  t.equal(gw.mock.requests[0]?.url, '/models/gemini-2.5-flash:streamGenerateContent?alt=sse')
  const chunks = sseChunks(res.body)
  t.equal(sseData(res.body).at(-1), '[DONE]')
  t.equal(chunks[0].choices[0].delta.role, 'assistant')
  t.equal(streamedText(chunks), 'Hej från Göteborg 🌧')
  const calls = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? [])
  t.equal(calls.length, 1)
  t.match(calls[0], { index: 0, type: 'function', function: { name: 'get_weather', arguments: '{"city":"Göteborg"}' } })
  t.equal(chunks.at(-2).choices[0].finish_reason, 'tool_calls')
  t.same(chunks.at(-1).usage, { prompt_tokens: 7, completion_tokens: 9, total_tokens: 16 })
  t.match(gw.usage[0], { promptTokens: 7, completionTokens: 9, streamed: true })
})

test('a Gemini stream that ends without a finish reason is reported as incomplete', async (t) => {
  const gw = await gatewayWithMock(t, 'gemini', {}, '/v1beta')
  gw.mock.respond((_req, res) => streamEvents(res, [`data: ${JSON.stringify({ candidates: [{ content: { parts: [{ text: 'Hel' }], role: 'model' }, index: 0 }] })}\r\n\r\n`]))
  const res = await gw.chat({ model, stream: true, messages: [{ role: 'user', content: 'hi' }] })
  const data = sseData(res.body)
  t.equal(streamedText(data.slice(0, -1).map((d) => JSON.parse(d))), 'Hel')
  t.same(JSON.parse(data.at(-1) ?? ''), openAIStreamError('Provider gemini ended the stream before it was complete.', 'HUB_UPSTREAM_FAILED'))
})

test('Gemini errors keep their message for 400 and become 502 for a refused key', async (t) => {
  const gw = await gatewayWithMock(t, 'gemini', {}, '/v1beta')
  gw.mock.respond(geminiMock.error(400, '* GenerateContentRequest.contents: contents is not specified'), geminiMock.error(403, 'API key not valid. Please pass a valid API key.', 'PERMISSION_DENIED'))
  const hi = { model, messages: [{ role: 'user', content: 'hi' }] }
  t.match((await gw.chat(hi)).json(), openAIErrorLike('* GenerateContentRequest.contents: contents is not specified'))
  const refused = await gw.chat(hi)
  t.equal(refused.statusCode, 502)
  t.notOk(refused.body.includes('API key not valid'))
})

test('a tool result must answer an earlier tool call (Gemini needs the function name)', async (t) => {
  const gw = await gatewayWithMock(t, 'gemini', {}, '/v1beta')
  const res = await gw.chat({ model, messages: [{ role: 'user', content: 'hi' }, { role: 'tool', tool_call_id: 'call_unknown', content: 'x' }] })
  t.match(res.json(), openAIErrorLike('tool message: tool_call_id "call_unknown" matches no earlier assistant tool call'))
  t.equal(gw.mock.requests.length, 0)
})

test('GOOGLE_API_KEY configures Gemini when GEMINI_API_KEY is not set', async (t) => {
  const app = await build(t, { GOOGLE_API_KEY: 'google-key-123456' })
  t.equal(app.providers.registry.get('gemini')?.apiKey, 'google-key-123456')
  t.equal(app.providers.registry.get('gemini')?.baseUrl, 'https://generativelanguage.googleapis.com/v1beta')
})
