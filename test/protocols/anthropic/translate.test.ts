import { test } from 'tap'
import { toChatRequest } from '#protocols/anthropic/request.js'
import { anthropicUsage, stopReason, toMessage } from '#protocols/anthropic/response.js'
import { relayedEvents, translatedEvents } from '#protocols/anthropic/stream.js'
import { ChunkBuilder } from '#providers/chunks.js'
import { toUsage } from '#providers/anthropic/response.js'
import type { MessagesRequestType } from '#schemas/anthropic.js'

/** A request as a client sends it (blocks carry fields the schema leaves open, so it is typed loosely here). */
const request = (extra: Record<string, unknown>): MessagesRequestType =>
  ({ model: 'openai/gpt-4o-mini', max_tokens: 50, messages: [{ role: 'user', content: 'Hi' }], ...extra }) as MessagesRequestType

test('Messages → chat: system blocks joined, tool results before the turn\'s text, tool images after them, thinking dropped', async (t) => {
  const chat = toChatRequest(request({
    system: [{ type: 'text', text: 'One.' }, { type: 'text', text: 'Two.' }],
    messages: [
      { role: 'user', content: 'Look' },
      { role: 'assistant', content: [{ type: 'redacted_thinking', data: 'x' }, { type: 'tool_use', id: 't1', name: 'shot', input: {} }] },
      { role: 'user', content: [{ type: 'text', text: 'Here:' }, { type: 'tool_result', tool_use_id: 't1', is_error: false, content: [{ type: 'text', text: 'taken' }, { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'AAAA' } }] }] }
    ],
    tool_choice: { type: 'tool', name: 'shot' },
    top_k: 5,
    stream: true
  }), 'openai/gpt-4o-mini')
  t.same(chat.messages, [
    { role: 'system', content: 'One.\n\nTwo.' },
    { role: 'user', content: 'Look' },
    { role: 'assistant', content: null, tool_calls: [{ id: 't1', type: 'function', function: { name: 'shot', arguments: '{}' } }] },
    { role: 'tool', tool_call_id: 't1', content: 'taken' },
    { role: 'user', content: [{ type: 'text', text: 'Here:' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } }] }
  ])
  t.same(chat.tool_choice, { type: 'function', function: { name: 'shot' } })
  t.equal(chat.stream, true)
  t.same(chat.stream_options, { include_usage: true })
  t.notOk('top_k' in chat, 'no OpenAI equivalent')
  t.equal(toChatRequest(request({ tool_choice: { type: 'any' } }), 'm').tool_choice, 'required')
  t.equal(toChatRequest(request({ tool_choice: { type: 'none' } }), 'm').tool_choice, 'none')
})

test('Messages → chat refuses what other providers cannot take, naming where it is', async (t) => {
  const cases: Array<[Record<string, unknown>, RegExp]> = [
    [{ tool_choice: { type: 'tool' } }, /tool_choice.*needs the tool's name/],
    [{ messages: [{ role: 'user', content: [{ type: 'text' }] }] }, /messages\/0\/content\/0: a text block needs "text"/],
    [{ messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'file', file_id: 'f' } }] }] }, /an image block needs a source/],
    [{ messages: [{ role: 'user', content: [{ type: 'tool_result' }] }] }, /needs "tool_use_id"/],
    [{ messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 'a', content: [{ type: 'document' }] }] }] }, /"document" blocks can only be sent to Anthropic models/],
    [{ messages: [{ role: 'assistant', content: [{ type: 'tool_use', name: 'x' }] }] }, /needs "id" and "name"/],
    [{ messages: [{ role: 'assistant', content: [{ type: 'server_tool_use', id: 'a', name: 'web_search' }] }] }, /"server_tool_use" blocks/],
    [{ tools: [{ name: 'code_execution', type: 'code_execution_20250522' }] }, /server tools/]
  ]
  for (const [extra, message] of cases) {
    t.throws(() => toChatRequest(request(extra), 'm'), { statusCode: 400, message })
  }
})

test('chat → Messages: content, tool_use input objects, stop reasons and usage with cache reads and writes', async (t) => {
  const message = toMessage({
    id: 'chatcmpl-abc',
    object: 'chat.completion',
    created: 1,
    model: 'gpt-4o',
    choices: [{ index: 0, message: { role: 'assistant', content: 'Sure.', tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{"a":1}' } }, { id: 'c2', type: 'function', function: { name: 'g', arguments: 'not json' } }] }, finish_reason: 'tool_calls' }]
  }, { prompt_tokens: 100, completion_tokens: 7, total_tokens: 107, prompt_tokens_details: { cached_tokens: 60, cache_write_tokens: 10 } as never }, 'openai/gpt-4o')
  t.same(message, {
    id: 'msg_abc',
    type: 'message',
    role: 'assistant',
    model: 'openai/gpt-4o',
    content: [{ type: 'text', text: 'Sure.' }, { type: 'tool_use', id: 'c1', name: 'f', input: { a: 1 } }, { type: 'tool_use', id: 'c2', name: 'g', input: {} }],
    stop_reason: 'tool_use',
    stop_sequence: null,
    usage: { input_tokens: 30, output_tokens: 7, cache_creation_input_tokens: 10, cache_read_input_tokens: 60 }
  })
  t.same(['stop', 'length', 'tool_calls', 'content_filter', null].map(stopReason), ['end_turn', 'max_tokens', 'tool_use', 'refusal', 'end_turn'])
  t.same(anthropicUsage(undefined), { input_tokens: 0, output_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 })
})

test('Anthropic usage → internal usage: reads as cached_tokens, writes split into 5-minute and 1-hour', async (t) => {
  t.same(toUsage({ input_tokens: 10, output_tokens: 5, cache_read_input_tokens: 100, cache_creation_input_tokens: 50, cache_creation: { ephemeral_5m_input_tokens: 20, ephemeral_1h_input_tokens: 30 } }), {
    prompt_tokens: 160, completion_tokens: 5, total_tokens: 165, prompt_tokens_details: { cached_tokens: 100, cache_write_tokens: 20, cache_write_1h_tokens: 30 }
  })
  t.same(toUsage({ input_tokens: 10, output_tokens: 5, cache_creation_input_tokens: 50 }).prompt_tokens_details, { cache_write_tokens: 50 }, 'no split reported: all 5-minute')
  t.equal(toUsage({ input_tokens: 10, output_tokens: 5, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 }).prompt_tokens_details?.cached_tokens, 0)
})

/** Event names and data of formatted SSE text. */
function parse (text: string): Array<[string, any]> {
  return text.split('\n\n').filter((b) => b !== '').map((b) => [/^event: (.*)$/m.exec(b)?.[1] ?? '', JSON.parse(b.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n'))])
}

test('translated stream: blocks open and close in order, parallel tool calls get their own blocks, usage lands in message_delta', async (t) => {
  const format = translatedEvents('gemini/gemini-2.5-flash', () => ({ message: 'boom', type: 'api_error' }))
  const out = new ChunkBuilder('m')
  let text = format.open()
  text += format.chunk(out.delta({ role: 'assistant', content: '' }))
  text += format.chunk(out.delta({ content: 'Hi' }))
  text += format.chunk(out.delta({ tool_calls: [{ index: 0, id: 'a', type: 'function', function: { name: 'f', arguments: '{"x":' } }] }))
  text += format.chunk(out.delta({ tool_calls: [{ index: 0, function: { arguments: '1}' } }] }))
  text += format.chunk(out.delta({ tool_calls: [{ index: 1, id: 'b', type: 'function', function: { name: 'g', arguments: '{}' } }] }))
  text += format.chunk(out.delta({}, 'tool_calls'))
  text += format.chunk(out.usage({ prompt_tokens: 9, completion_tokens: 4, total_tokens: 13 }))
  text += format.close()
  const events = parse(text)
  t.same(events.map(([name, data]) => [name, data.index ?? null]), [
    ['message_start', null], ['ping', null],
    ['content_block_start', 0], ['content_block_delta', 0],
    ['content_block_stop', 0], ['content_block_start', 1], ['content_block_delta', 1], ['content_block_delta', 1],
    ['content_block_stop', 1], ['content_block_start', 2], ['content_block_delta', 2],
    ['content_block_stop', 2], ['message_delta', null], ['message_stop', null]
  ])
  t.match(events[0]?.[1], { message: { model: 'gemini/gemini-2.5-flash', role: 'assistant', content: [], usage: { input_tokens: 0 } } })
  t.same(events.at(-2)?.[1], { type: 'message_delta', delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { input_tokens: 9, output_tokens: 4, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 } })
  t.same(parse(format.fail(new Error('x'))), [['error', { type: 'error', error: { message: 'boom', type: 'api_error' } }]])
})

test('relayed stream: each event written back as it came, a failure as an error event', async (t) => {
  const format = relayedEvents(() => ({ message: 'gone', type: 'overloaded_error' }))
  t.equal(format.chunk({ event: 'ping', data: '{"type": "ping"}', usage: undefined, usageOnly: true }), 'event: ping\ndata: {"type": "ping"}\n\n')
  t.equal(format.open() + format.close(), '')
  t.equal(format.fail(new Error('x')), 'event: error\ndata: {"type":"error","error":{"message":"gone","type":"overloaded_error"}}\n\n')
})
