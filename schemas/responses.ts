import { Type, type Static } from '@sinclair/typebox'
import { CHAT_LIMITS, ChatCompletionRequest } from './chat.js'

/** Request limits of POST /api/v2/responses (the body size limit is CHAT_BODY_LIMIT, as for chat). */
export const RESPONSES_LIMITS = Object.freeze({
  items: CHAT_LIMITS.messages,
  partsPerItem: CHAT_LIMITS.partsPerMessage,
  tools: CHAT_LIMITS.tools,
  /** Ids the gateway or OpenAI minted (resp_…, msg_…, fc_…, call_…): short, never free text. */
  idChars: 128,
  metadataPairs: 16,
  include: 16
})

const Id = Type.String({ minLength: 1, maxLength: RESPONSES_LIMITS.idChars, pattern: '^[A-Za-z0-9_.:-]+$' })
const Status = Type.Optional(Type.Union([Type.Literal('in_progress'), Type.Literal('completed'), Type.Literal('incomplete')]))
const Detail = Type.Optional(Type.Union([Type.Literal('auto'), Type.Literal('low'), Type.Literal('high')]))

const InputText = Type.Object({ type: Type.Literal('input_text'), text: Type.String() }, { additionalProperties: true })
const InputImage = Type.Object({
  type: Type.Literal('input_image'),
  image_url: Type.Optional(Type.Union([Type.String({ minLength: 1, description: 'An http(s) URL or a `data:<mime>;base64,…` URL' }), Type.Null()])),
  file_id: Type.Optional(Type.Union([Type.String({ maxLength: RESPONSES_LIMITS.idChars }), Type.Null()], { description: 'Not supported: files are not kept by the gateway' })),
  detail: Detail
}, { additionalProperties: true })
const OutputText = Type.Object({ type: Type.Literal('output_text'), text: Type.String() }, { additionalProperties: true })
const Refusal = Type.Object({ type: Type.Literal('refusal'), refusal: Type.String() }, { additionalProperties: true })
const ContentPart = Type.Union([InputText, InputImage, OutputText, Refusal], { errorMessage: 'must be an input_text, input_image, output_text or refusal part' })

const MessageItem = Type.Object({
  type: Type.Optional(Type.Literal('message')),
  role: Type.Union([Type.Literal('user'), Type.Literal('assistant'), Type.Literal('system'), Type.Literal('developer')],
    { errorMessage: 'must be one of: user, assistant, system, developer' }),
  content: Type.Union([Type.String(), Type.Array(ContentPart, { maxItems: RESPONSES_LIMITS.partsPerItem })],
    { errorMessage: `must be a string or an array of at most ${RESPONSES_LIMITS.partsPerItem} content parts` }),
  id: Type.Optional(Id),
  status: Status
}, { additionalProperties: true, title: 'MessageItem' })

const FunctionCallItem = Type.Object({
  type: Type.Literal('function_call'),
  call_id: Id,
  name: Type.String({ minLength: 1, maxLength: 64 }),
  arguments: Type.String({ description: 'JSON text of the arguments' }),
  id: Type.Optional(Id),
  status: Status
}, { additionalProperties: true, title: 'FunctionCallItem' })

const FunctionCallOutputItem = Type.Object({
  type: Type.Literal('function_call_output'),
  call_id: Id,
  output: Type.Union([Type.String(), Type.Array(Type.Union([InputText, InputImage]), { maxItems: RESPONSES_LIMITS.partsPerItem })]),
  id: Type.Optional(Type.Union([Id, Type.Null()])),
  status: Type.Optional(Type.Union([Status, Type.Null()]))
}, { additionalProperties: true, title: 'FunctionCallOutputItem' })

const ReasoningItem = Type.Object({
  type: Type.Literal('reasoning'),
  id: Type.Optional(Id),
  summary: Type.Optional(Type.Array(Type.Object({ type: Type.String({ maxLength: 32 }), text: Type.String() }, { additionalProperties: true }), { maxItems: RESPONSES_LIMITS.partsPerItem }))
}, { additionalProperties: true, title: 'ReasoningItem', description: 'Sent back by some clients; OpenAI upstreams get it, translated calls leave it out' })

const ItemReference = Type.Object({
  type: Type.Literal('item_reference'),
  id: Id
}, { additionalProperties: false, title: 'ItemReference', description: 'An output item of an earlier stored response of the same key' })

export const InputItem = Type.Union([MessageItem, FunctionCallItem, FunctionCallOutputItem, ReasoningItem, ItemReference], {
  errorMessage: 'must be a message ({role, content}), function_call, function_call_output, reasoning or item_reference item'
})

const FunctionTool = Type.Object({
  type: Type.Literal('function'),
  name: Type.String({ pattern: '^[A-Za-z0-9_.:-]{1,64}$' }),
  description: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  parameters: Type.Optional(Type.Union([Type.Object({}, { additionalProperties: true }), Type.Null()], { description: 'JSON Schema of the arguments object' })),
  strict: Type.Optional(Type.Union([Type.Boolean(), Type.Null()]))
}, { additionalProperties: true, errorMessage: 'must be a function tool ({"type":"function","name":…}); built-in tools are not offered by the gateway' })

const ToolChoice = Type.Union([
  Type.Literal('none'), Type.Literal('auto'), Type.Literal('required'),
  Type.Object({ type: Type.Literal('function'), name: Type.String({ minLength: 1, maxLength: 64 }) })
], { errorMessage: 'must be "none", "auto", "required" or {"type":"function","name":…}' })

const TextFormat = Type.Union([
  Type.Object({ type: Type.Literal('text') }),
  Type.Object({ type: Type.Literal('json_object') }),
  Type.Object({
    type: Type.Literal('json_schema'),
    name: Type.String({ minLength: 1, maxLength: 64 }),
    schema: Type.Object({}, { additionalProperties: true }),
    description: Type.Optional(Type.String()),
    strict: Type.Optional(Type.Union([Type.Boolean(), Type.Null()]))
  })
], { errorMessage: 'must be {"type":"text"}, {"type":"json_object"} or {"type":"json_schema","name":…,"schema":…}' })

const Metadata = Type.Record(Type.String({ maxLength: 64 }), Type.String({ maxLength: 512 }), {
  maxProperties: RESPONSES_LIMITS.metadataPairs, description: `At most ${RESPONSES_LIMITS.metadataPairs} pairs; kept with the stored response`
})

export const ResponsesRequest = Type.Object({
  model: ChatCompletionRequest.properties.model,
  input: Type.Union([Type.String(), Type.Array(InputItem, { maxItems: RESPONSES_LIMITS.items })],
    { errorMessage: `must be a string or an array of at most ${RESPONSES_LIMITS.items} input items` }),
  instructions: Type.Optional(Type.Union([Type.String(), Type.Null()], { description: 'A system message for this call (not carried over by previous_response_id)' })),
  previous_response_id: Type.Optional(Type.Union([Id, Type.Null()], { description: 'Continue a response this key stored (404 for any other)' })),
  store: Type.Optional(Type.Union([Type.Boolean(), Type.Null()], { description: 'Keep the conversation for previous_response_id and GET (default true; kept RESPONSES_RETENTION_HOURS)' })),
  stream: Type.Optional(Type.Union([Type.Boolean(), Type.Null()])),
  tools: Type.Optional(Type.Array(FunctionTool, { maxItems: RESPONSES_LIMITS.tools })),
  tool_choice: Type.Optional(ToolChoice),
  parallel_tool_calls: Type.Optional(Type.Union([Type.Boolean(), Type.Null()])),
  max_output_tokens: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: CHAT_LIMITS.maxTokens }), Type.Null()])),
  temperature: Type.Optional(Type.Union([Type.Number({ minimum: 0, maximum: 2 }), Type.Null()])),
  top_p: Type.Optional(Type.Union([Type.Number({ minimum: 0, maximum: 1 }), Type.Null()])),
  text: Type.Optional(Type.Object({ format: Type.Optional(TextFormat) }, { additionalProperties: true })),
  reasoning: Type.Optional(Type.Union([Type.Object({}, { additionalProperties: true }), Type.Null()])),
  include: Type.Optional(Type.Union([Type.Array(Type.String({ maxLength: 64 }), { maxItems: RESPONSES_LIMITS.include }), Type.Null()])),
  metadata: Type.Optional(Type.Union([Metadata, Type.Null()])),
  user: Type.Optional(Type.String({ maxLength: 256 })),
  // state kept by the upstream rather than the gateway: unmetered (background) or not bound to the key (conversation)
  background: Type.Optional(Type.Union([Type.Literal(false), Type.Null()], { errorMessage: 'is not supported: background responses are not offered by the gateway' })),
  conversation: Type.Optional(Type.Null({ errorMessage: 'is not supported: use previous_response_id (the gateway keeps conversations per key)' }))
}, {
  $id: 'ResponsesRequest',
  additionalProperties: true,
  description: 'OpenAI Responses request. OpenAI upstreams get it natively (unknown fields pass through); other providers get ' +
    'it translated to chat (function tools, messages with text and images, instructions, text.format, max_output_tokens, ' +
    'temperature, top_p). The body size limit is CHAT_BODY_LIMIT (413 above it).'
})

export type ResponsesRequestType = Static<typeof ResponsesRequest>
export type InputItemType = Static<typeof InputItem>
export type MessageItemType = Static<typeof MessageItem>
export type ContentPartType = Static<typeof ContentPart>

/** OpenAI's response usage (the gateway's internal usage is chat's; protocols/responses/usage.ts converts). */
export const ResponseUsage = Type.Object({
  input_tokens: Type.Integer(),
  input_tokens_details: Type.Object({ cached_tokens: Type.Integer(), cache_write_tokens: Type.Optional(Type.Integer()) }, { additionalProperties: true }),
  output_tokens: Type.Integer(),
  output_tokens_details: Type.Object({ reasoning_tokens: Type.Integer() }, { additionalProperties: true }),
  total_tokens: Type.Integer()
}, { additionalProperties: true })

export type ResponseUsageType = Static<typeof ResponseUsage>

/** An output item as answered: a message with output_text parts, or a function call. */
export type OutputItem =
  | { id: string, type: 'message', status: 'in_progress' | 'completed' | 'incomplete', role: 'assistant', content: OutputTextPart[] }
  | { id: string, type: 'function_call', status: 'in_progress' | 'completed' | 'incomplete', call_id: string, name: string, arguments: string }

export interface OutputTextPart { type: 'output_text', text: string, annotations: unknown[], logprobs: unknown[] }

export const ResponseObject = Type.Object({
  id: Type.String(),
  object: Type.Literal('response'),
  created_at: Type.Integer(),
  status: Type.Union(['completed', 'failed', 'in_progress', 'cancelled', 'queued', 'incomplete'].map((s) => Type.Literal(s))),
  model: Type.String(),
  output: Type.Array(Type.Object({ type: Type.String(), id: Type.Optional(Type.String()) }, { additionalProperties: true })),
  usage: Type.Optional(Type.Union([ResponseUsage, Type.Null()]))
}, {
  $id: 'ResponseObject',
  additionalProperties: true,
  description: 'OpenAI\'s response object (every field OpenAI sends: error, incomplete_details, instructions, tools, text, …)'
})

export type ResponseObjectType = Static<typeof ResponseObject> & Record<string, unknown>

export const ResponseDeleted = Type.Object({
  id: Type.String(),
  object: Type.Literal('response'),
  deleted: Type.Literal(true)
}, { $id: 'ResponseDeleted' })

export const ResponseIdParams = Type.Object({ id: Id })

export const RESPONSES_STREAM_DESCRIPTION = 'Server-sent events, each `event: <type>` with a JSON `data:` as OpenAI sends them: ' +
  'response.created, response.in_progress, response.output_item.added, response.content_part.added, ' +
  'response.output_text.delta / .done, response.function_call_arguments.delta / .done, response.content_part.done, ' +
  'response.output_item.done, then response.completed (or response.incomplete); a failure after the stream started is an ' +
  '`error` event followed by response.failed. Every event carries a sequence_number.'
