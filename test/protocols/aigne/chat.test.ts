import { test } from 'tap'
import { toAigneToolCall, toChatRequest } from '#protocols/aigne/chat.js'
import { aigneOutput, aigneStreamFormat } from '#protocols/aigne/output.js'
import { ChunkAccumulator } from '#protocols/chat-summary.js'
import { JsonPayload } from '#upstream/payload.js'
import type { ChatChunk } from '#upstream/types.js'

test('AIGNE input → chat request: parts, roles, tool calls with signatures, tool options only with tools', async (t) => {
  const request = toChatRequest({
    messages: [
      { role: 'user', content: [{ type: 'text', text: 'What is this?' }, { type: 'file', data: 'iVBORw0K', mimeType: 'image/png' }, { type: 'url', url: 'https://x.example/a.jpg' }] },
      { role: 'agent', toolCalls: [{ id: 'c1', type: 'function', function: { name: 'look', arguments: { deep: true } }, metadata: { thoughtSignature: 'sig-1' } }] },
      { role: 'tool', toolCallId: 'c1', content: 'a cat' }
    ],
    modelOptions: { model: 'gemini/gemini-2.5-flash', topP: 0.9, reasoningEffort: 1024, parallelToolCalls: true, cacheConfig: { enabled: true } },
    tools: [{ type: 'function', function: { name: 'look', parameters: { type: 'object' } } }],
    toolChoice: { type: 'function', function: { name: 'look', parameters: {} } }
  } as Parameters<typeof toChatRequest>[0], 'gemini/gemini-2.5-flash') // cacheConfig is an unknown (ignored) option
  t.same(request, {
    model: 'gemini/gemini-2.5-flash',
    messages: [
      { role: 'user', content: [{ type: 'text', text: 'What is this?' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0K' } }, { type: 'image_url', image_url: { url: 'https://x.example/a.jpg' } }] },
      { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'look', arguments: '{"deep":true}' }, extra_content: { google: { thought_signature: 'sig-1' } } }] },
      { role: 'tool', content: 'a cat', tool_call_id: 'c1' }
    ],
    top_p: 0.9,
    tools: [{ type: 'function', function: { name: 'look', parameters: { type: 'object' } } }],
    parallel_tool_calls: true,
    tool_choice: { type: 'function', function: { name: 'look' } }
  }, 'a numeric reasoning effort and cacheConfig have no OpenAI field and are dropped')

  const noTools = toChatRequest({ messages: [{ role: 'user', content: 'hi' }], modelOptions: { parallelToolCalls: true, reasoningEffort: 'low' }, toolChoice: 'auto' }, 'openai/o4-mini')
  t.same(noTools, { model: 'openai/o4-mini', messages: [{ role: 'user', content: 'hi' }], reasoning_effort: 'low' }, 'no tool options without tools')

  t.same(toAigneToolCall({ id: 'c2', type: 'function', function: { name: 'f', arguments: 'not json' } }), { id: 'c2', type: 'function', function: { name: 'f', arguments: {} } },
    'arguments that are not a JSON object become {} (the client validates them against the tool schema)')
})

const chunk = (delta: Record<string, unknown>): ChatChunk =>
  JsonPayload.fromValue({ id: 'x', object: 'chat.completion.chunk', created: 0, model: 'm', choices: [{ index: 0, delta, finish_reason: null }] } as never)

test('streamed chunks fold into one answer: reasoning, tool-call fragments by index, signatures kept', async (t) => {
  const accumulator = new ChunkAccumulator()
  for (const delta of [
    { role: 'assistant', reasoning_content: 'Let me think. ' },
    { reasoning_content: 'Done.' },
    { tool_calls: [{ index: 1, id: 'b', type: 'function', function: { name: 'second', arguments: '{"n"' } }] },
    { tool_calls: [{ index: 0, id: 'a', type: 'function', function: { name: 'first', arguments: '' }, extra_content: { google: { thought_signature: 's' } } }] },
    { tool_calls: [{ index: 1, function: { arguments: ':2}' } }] },
    { tool_calls: [{ index: 0, function: { arguments: '{}' } }] }
  ]) accumulator.add(chunk(delta))
  const summary = accumulator.summary()
  t.equal(summary.reasoning, 'Let me think. Done.')
  const output = aigneOutput(summary, { model: 'deepseek/deepseek-reasoner', jsonMode: false, price: undefined })
  t.same(output, {
    thoughts: 'Let me think. Done.',
    toolCalls: [
      { id: 'a', type: 'function', function: { name: 'first', arguments: {} }, metadata: { thoughtSignature: 's' } },
      { id: 'b', type: 'function', function: { name: 'second', arguments: { n: 2 } } }
    ],
    model: 'deepseek/deepseek-reasoner'
  })
})

test('JSON mode: text that is not a JSON object stays text, so the client sees what went wrong', async (t) => {
  const format = aigneStreamFormat({ model: 'openai/gpt-4o', jsonMode: true, price: undefined }, String)
  const events = [format.open(), format.chunk(chunk({ content: 'Sorry, I cannot' })), format.close()]
  t.same(events, [
    'data: {"delta":{"json":{"model":"openai/gpt-4o"}}}\n\n',
    '', // held back: in JSON mode the text is only known to be JSON (or not) at the end
    'data: {"delta":{"json":{"text":"Sorry, I cannot"}}}\n\n'
  ])
})
