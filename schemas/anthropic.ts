import { Type, type Static, type TSchema } from '@sinclair/typebox'
import { CHAT_LIMITS } from './chat.js'
import { shapedErrorResponses } from './error.js'

/*
 * Anthropic's Messages API as clients send it (@anthropic-ai/sdk, Claude Code). Bounded like the chat contract;
 * content blocks and top-level fields beyond those named here are kept (an Anthropic upstream gets the body as
 * sent: thinking, cache_control, documents and new features work without a gateway release).
 */

const Block = Type.Object({
  type: Type.String({ minLength: 1, maxLength: 64 })
}, { additionalProperties: true, description: 'A content block: text, image, tool_use, tool_result, thinking, document, …' })

const MessageParam = Type.Object({
  role: Type.Union([Type.Literal('user'), Type.Literal('assistant')], { errorMessage: 'must be "user" or "assistant"' }),
  content: Type.Union([Type.String(), Type.Array(Block, { maxItems: CHAT_LIMITS.partsPerMessage })],
    { errorMessage: `must be a string or an array of at most ${CHAT_LIMITS.partsPerMessage} content blocks` })
}, { additionalProperties: true })

const SystemBlock = Type.Object({ type: Type.Literal('text'), text: Type.String() }, { additionalProperties: true })

const Tool = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 128 }),
  type: Type.Optional(Type.String({ maxLength: 64, description: 'Absent or "custom" for client tools; server tools (web_search_…) name their version' })),
  description: Type.Optional(Type.String()),
  input_schema: Type.Optional(Type.Object({}, { additionalProperties: true }))
}, { additionalProperties: true })

const ToolChoice = Type.Object({
  type: Type.Union([Type.Literal('auto'), Type.Literal('any'), Type.Literal('tool'), Type.Literal('none')],
    { errorMessage: 'must be one of: auto, any, tool, none' }),
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
  disable_parallel_tool_use: Type.Optional(Type.Boolean())
}, { additionalProperties: true })

/** Fields shared by a Messages request and a token count. */
const promptFields = {
  model: Type.String({
    minLength: 1,
    maxLength: 256,
    pattern: '^\\S+$',
    errorMessage: 'must be a model name without spaces, e.g. "anthropic/claude-sonnet-4-5" or "claude-sonnet-4-5"',
    description: '`provider/model`, or a bare `claude-…` name (served by the anthropic provider)'
  }),
  messages: Type.Array(MessageParam, { minItems: 1, maxItems: CHAT_LIMITS.messages, errorMessage: `must be an array of 1 to ${CHAT_LIMITS.messages} messages` }),
  system: Type.Optional(Type.Union([Type.String(), Type.Array(SystemBlock, { maxItems: CHAT_LIMITS.partsPerMessage })],
    { errorMessage: 'must be a string or an array of text blocks' })),
  tools: Type.Optional(Type.Array(Tool, { maxItems: CHAT_LIMITS.tools })),
  tool_choice: Type.Optional(ToolChoice),
  thinking: Type.Optional(Type.Object({ type: Type.String({ maxLength: 32 }) }, { additionalProperties: true }))
}

export const MessagesRequest = Type.Object({
  ...promptFields,
  max_tokens: Type.Integer({ minimum: 1, maximum: CHAT_LIMITS.maxTokens }),
  temperature: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
  top_p: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
  top_k: Type.Optional(Type.Integer({ minimum: 0 })),
  stop_sequences: Type.Optional(Type.Array(Type.String(), { maxItems: CHAT_LIMITS.stopSequences })),
  stream: Type.Optional(Type.Boolean()),
  metadata: Type.Optional(Type.Object({ user_id: Type.Optional(Type.Union([Type.String({ maxLength: 256 }), Type.Null()])) }, { additionalProperties: true })),
  service_tier: Type.Optional(Type.String({ maxLength: 32 }))
}, {
  $id: 'AnthropicMessagesRequest',
  additionalProperties: true,
  description: 'Anthropic Messages request. An Anthropic model gets the body as sent (only `model` changes), so every Anthropic ' +
    'feature works (thinking, cache_control, documents, server tools, new fields). Other providers get it translated: text, ' +
    'images (base64 and URL), system, client tools, tool_choice, stop_sequences, temperature, top_p and max_tokens; thinking ' +
    `and cache_control are dropped, documents and server tools are refused (400). Limits: at most ${CHAT_LIMITS.messages} messages, ` +
    `${CHAT_LIMITS.tools} tools, nesting depth ${CHAT_LIMITS.depth}; the body size limit is CHAT_BODY_LIMIT (413 above it).`
})

export const CountTokensRequest = Type.Object(promptFields, {
  $id: 'AnthropicCountTokensRequest',
  additionalProperties: true,
  description: 'What Messages would count as input. Anthropic models: counted by Anthropic; others: estimated from the size (about 4 bytes a token).'
})

export const CountTokensResponse = Type.Object({ input_tokens: Type.Integer() }, { $id: 'AnthropicCountTokensResponse', additionalProperties: true })

export const AnthropicUsage = Type.Object({
  input_tokens: Type.Integer(),
  output_tokens: Type.Integer(),
  cache_creation_input_tokens: Type.Optional(Type.Union([Type.Integer(), Type.Null()])),
  cache_read_input_tokens: Type.Optional(Type.Union([Type.Integer(), Type.Null()]))
}, { additionalProperties: true })

export const MessagesResponse = Type.Object({
  id: Type.String(),
  type: Type.Literal('message'),
  role: Type.Literal('assistant'),
  model: Type.String(),
  content: Type.Array(Block),
  stop_reason: Type.Union([Type.String(), Type.Null()], { description: 'end_turn, max_tokens, stop_sequence, tool_use, pause_turn, refusal' }),
  stop_sequence: Type.Union([Type.String(), Type.Null()]),
  usage: AnthropicUsage
}, { $id: 'AnthropicMessage', additionalProperties: true })

export const MESSAGES_STREAM_DESCRIPTION = 'With "stream": true, Anthropic\'s named events: `message_start`, `ping`, then per content block ' +
  '`content_block_start`, `content_block_delta` (text_delta, input_json_delta, thinking_delta …) and `content_block_stop`, then ' +
  '`message_delta` (stop_reason, usage) and `message_stop`. A failure after the stream started is sent as ' +
  '`event: error` with `{"type":"error","error":{"type","message"}}` and the stream ends.'

export const AnthropicErrorBody = Type.Object({
  type: Type.Literal('error'),
  error: Type.Object({
    type: Type.String({ description: 'invalid_request_error, permission_error, not_found_error, request_too_large, rate_limit_error, billing_error, api_error, timeout_error, overloaded_error' }),
    message: Type.String()
  })
}, { $id: 'AnthropicErrorBody', description: 'Errors of the Anthropic-compatible routes (the 401 keeps the gateway\'s standard body)' })

/** Response schemas for error statuses of an Anthropic-shaped route: 401 keeps the standard body. */
export function anthropicErrorResponses (...statuses: number[]): Record<number, TSchema> {
  return shapedErrorResponses(AnthropicErrorBody, statuses)
}

export type MessagesRequestType = Static<typeof MessagesRequest>
export type CountTokensRequestType = Static<typeof CountTokensRequest>
export type MessagesResponseType = Static<typeof MessagesResponse>
export type AnthropicUsageType = Static<typeof AnthropicUsage>
