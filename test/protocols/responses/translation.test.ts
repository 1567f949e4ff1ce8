import { test } from 'tap'
import { nativeRequest, toChatRequest } from '#protocols/responses/request.js'
import { fromCompletion, responsePlan } from '#protocols/responses/response.js'
import { ResponsesEventWriter } from '#protocols/responses/stream.js'
import type { InputItemType, ResponsesRequestType } from '#schemas/responses.js'
import type { ChatCompletionChunk } from '#upstream/types.js'
import { eventProblems, responseProblems } from './spec/validate.js'

const request = (fields: Partial<ResponsesRequestType>): ResponsesRequestType => ({ model: 'anthropic/claude-sonnet-4-5', input: 'hi', ...fields })

test('request → chat: instructions, messages with images, function calls and outputs, tools, format, limits', async (t) => {
  const input: InputItemType[] = [
    { role: 'user', content: [{ type: 'input_text', text: 'What is this?' }, { type: 'input_image', image_url: 'https://img.example/a.png', detail: 'low' }] },
    { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Checking.' }] },
    { type: 'function_call', call_id: 'call_1', name: 'look', arguments: '{"q":"a"}' },
    { type: 'function_call', call_id: 'call_2', name: 'look', arguments: '{"q":"b"}' },
    { type: 'reasoning', id: 'rs_1', summary: [] },
    { type: 'function_call_output', call_id: 'call_1', output: 'A cat' },
    { type: 'function_call_output', call_id: 'call_2', output: [{ type: 'input_text', text: 'A dog' }] }
  ]
  const chat = toChatRequest(request({
    instructions: 'Be brief',
    tools: [{ type: 'function', name: 'look', parameters: { type: 'object' }, strict: true }],
    tool_choice: { type: 'function', name: 'look' },
    text: { format: { type: 'json_schema', name: 'answer', schema: { type: 'object' } } },
    max_output_tokens: 50,
    temperature: 0.2
  }), [], input)
  t.same(chat.messages, [
    { role: 'system', content: 'Be brief' },
    { role: 'user', content: [{ type: 'text', text: 'What is this?' }, { type: 'image_url', image_url: { url: 'https://img.example/a.png', detail: 'low' } }] },
    {
      role: 'assistant',
      content: 'Checking.',
      tool_calls: [
        { id: 'call_1', type: 'function', function: { name: 'look', arguments: '{"q":"a"}' } },
        { id: 'call_2', type: 'function', function: { name: 'look', arguments: '{"q":"b"}' } }
      ]
    },
    { role: 'tool', tool_call_id: 'call_1', content: 'A cat' },
    { role: 'tool', tool_call_id: 'call_2', content: 'A dog' }
  ])
  t.same(chat.tools, [{ type: 'function', function: { name: 'look', parameters: { type: 'object' }, strict: true } }])
  t.same(chat.tool_choice, { type: 'function', function: { name: 'look' } })
  t.same(chat.response_format, { type: 'json_schema', json_schema: { name: 'answer', schema: { type: 'object' } } })
  t.equal(chat.max_completion_tokens, 50)
  t.equal(chat.temperature, 0.2)

  t.throws(() => toChatRequest(request({}), [], [{ role: 'user', content: [{ type: 'input_image', file_id: 'file_1' }] }]), /image_url/)
  t.throws(() => toChatRequest(request({ input: [] }), [], []), /at least one message/)
})

test('native body: history written out before the input without ids or reasoning, previous_response_id dropped', async (t) => {
  const history: InputItemType[] = [
    { role: 'user', content: 'Hi' },
    { type: 'reasoning', id: 'rs_1', summary: [] },
    { type: 'message', role: 'assistant', id: 'msg_1', content: [{ type: 'output_text', text: 'Hello' }] }
  ]
  const body = nativeRequest(request({ previous_response_id: 'resp_1', input: 'Again', reasoning: { effort: 'low' } }), history, [{ role: 'user', content: 'Again' }])
  t.same(body.input, [{ role: 'user', content: 'Hi' }, { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Hello' }] }, { role: 'user', content: 'Again' }])
  t.notOk('previous_response_id' in body)
  t.same(body.reasoning, { effort: 'low' })
  t.equal(nativeRequest(request({ input: 'Just text' }), [], [{ role: 'user', content: 'Just text' }]).input, 'Just text')
})

test('chat answer → response: text and tool calls as items, length → incomplete, valid per OpenAI\'s spec', async (t) => {
  const plan = responsePlan(request({ metadata: { a: 'b' } }))
  const usage = { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15, prompt_tokens_details: { cached_tokens: 4 }, completion_tokens_details: { reasoning_tokens: 2 } }
  const response = fromCompletion(plan, {
    id: 'c', object: 'chat.completion', created: 1, model: 'm',
    choices: [{ index: 0, finish_reason: 'length', message: { role: 'assistant', content: 'Partial', tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: '{}' } }] } }]
  }, usage)
  t.same(responseProblems(response), [])
  t.match(response, { status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' }, metadata: { a: 'b' } })
  t.same(response.usage, { input_tokens: 10, input_tokens_details: { cached_tokens: 4, cache_write_tokens: 0 }, output_tokens: 5, output_tokens_details: { reasoning_tokens: 2 }, total_tokens: 15 })
  t.match(response.output, [{ type: 'message', status: 'incomplete' }, { type: 'function_call', call_id: 'call_1', name: 'f' }])
})

function chunk (delta: Record<string, unknown>, finish: string | null = null): ChatCompletionChunk {
  return { id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta, finish_reason: finish as null }] }
}

function parse (frames: string): Array<Record<string, any>> {
  return frames.split('\n\n').filter((f) => f !== '').map((f) => JSON.parse(f.split('\n')[1]?.slice(6) ?? '{}') as Record<string, any>)
}

test('chat chunks → events: text then parallel tool calls, each item opened and closed in order, numbered', async (t) => {
  const writer = new ResponsesEventWriter(responsePlan(request({})))
  let frames = writer.start()
  frames += writer.chunk(chunk({ role: 'assistant', content: 'Let ' }))
  frames += writer.chunk(chunk({ content: 'me see.' }))
  frames += writer.chunk(chunk({ tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'f', arguments: '{"x"' } }] }))
  frames += writer.chunk(chunk({ tool_calls: [{ index: 0, function: { arguments: ':1}' } }] }))
  frames += writer.chunk(chunk({ tool_calls: [{ index: 1, id: 'call_b', type: 'function', function: { name: 'g', arguments: '{}' } }] }))
  frames += writer.chunk(chunk({}, 'tool_calls'))
  frames += writer.chunk({ ...chunk({}), choices: [], usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 } })
  let final: unknown
  frames += writer.end((response) => { final = response })
  const events = parse(frames)
  for (const event of events) t.same(eventProblems(event), [], event.type)
  t.same(events.map((e) => e.sequence_number), events.map((_e, i) => i))
  t.same(events.map((e) => e.type), [
    'response.created', 'response.in_progress',
    'response.output_item.added', 'response.content_part.added', 'response.output_text.delta', 'response.output_text.delta',
    'response.output_text.done', 'response.content_part.done', 'response.output_item.done',
    'response.output_item.added', 'response.function_call_arguments.delta', 'response.function_call_arguments.delta',
    'response.function_call_arguments.done', 'response.output_item.done',
    'response.output_item.added', 'response.function_call_arguments.delta', 'response.function_call_arguments.done', 'response.output_item.done',
    'response.completed'
  ])
  t.match(final, { status: 'completed', usage: { input_tokens: 3, output_tokens: 4 } })
  t.match((final as { output: unknown[] }).output, [{ type: 'message', content: [{ text: 'Let me see.' }] }, { call_id: 'call_a', arguments: '{"x":1}' }, { call_id: 'call_b', name: 'g' }])
})

test('a failure mid-stream: the error event, then response.failed with what was produced', async (t) => {
  const writer = new ResponsesEventWriter(responsePlan(request({})))
  const events = parse(writer.start() + writer.chunk(chunk({ content: 'Hal' })) + writer.fail({ code: 'server_error', message: 'Provider anthropic failed' }))
  for (const event of events) t.same(eventProblems(event), [], event.type)
  t.match(events.at(-2), { type: 'error', code: 'server_error', message: 'Provider anthropic failed', param: null })
  t.match(events.at(-1), { type: 'response.failed', response: { status: 'failed', error: { code: 'server_error' } } })
})
