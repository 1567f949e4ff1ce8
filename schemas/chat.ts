import { Type, type Static } from '@sinclair/typebox'

/** Request limits, kept in the contract (and the OpenAPI document) so clients can see them. */
export const CHAT_LIMITS = Object.freeze({
  messages: 4096,
  partsPerMessage: 256,
  tools: 512,
  stopSequences: 16,
  /** Largest max_tokens: providers take a 32-bit integer; beyond it JSON numbers also lose precision on the way. */
  maxTokens: 2 ** 31 - 1,
  /** Deepest nesting of objects and arrays anywhere in the body (tool parameter schemas included). */
  depth: 64
})


const TextPart = Type.Object({
  type: Type.Literal('text'),
  text: Type.String()
}, { title: 'TextPart' })

const ImagePart = Type.Object({
  type: Type.Literal('image_url'),
  image_url: Type.Object({
    url: Type.String({ minLength: 1, description: 'An http(s) URL or a `data:<mime>;base64,…` URL' }),
    detail: Type.Optional(Type.Union([Type.Literal('auto'), Type.Literal('low'), Type.Literal('high')]))
  })
}, { title: 'ImagePart' })

export const ContentPart = Type.Union([TextPart, ImagePart], { errorMessage: 'must be a text part or an image_url part' })

const FunctionCall = Type.Object({
  name: Type.String({ minLength: 1 }),
  arguments: Type.String({ description: 'JSON text of the arguments' })
})

export const ToolCall = Type.Object({
  id: Type.String({ minLength: 1 }),
  type: Type.Literal('function'),
  function: FunctionCall
}, { description: 'Unknown fields (such as Gemini\'s `extra_content.google.thought_signature`) are kept and sent back upstream' })

export const ChatMessage = Type.Object({
  role: Type.Union([Type.Literal('system'), Type.Literal('developer'), Type.Literal('user'), Type.Literal('assistant'), Type.Literal('tool')],
    { errorMessage: 'must be one of: system, developer, user, assistant, tool' }),
  content: Type.Optional(Type.Union([
    Type.String(),
    Type.Array(ContentPart, { maxItems: CHAT_LIMITS.partsPerMessage }),
    Type.Null()
  ], {
    description: 'Text, or parts (text; image_url in user messages only). May be null on an assistant message with tool_calls.',
    errorMessage: 'must be a string, an array of text / image_url parts, or null'
  })),
  name: Type.Optional(Type.String({ maxLength: 256 })),
  tool_calls: Type.Optional(Type.Array(ToolCall, { description: 'Assistant messages only' })),
  tool_call_id: Type.Optional(Type.String({ minLength: 1, description: 'Required on tool messages' }))
})

export const ToolDefinition = Type.Object({
  type: Type.Literal('function'),
  function: Type.Object({
    name: Type.String({ pattern: '^[A-Za-z0-9_.:-]{1,64}$' }),
    description: Type.Optional(Type.String()),
    parameters: Type.Optional(Type.Object({}, { additionalProperties: true, description: 'JSON Schema of the arguments object' })),
    strict: Type.Optional(Type.Boolean())
  })
})

const ToolChoice = Type.Union([
  Type.Literal('none'),
  Type.Literal('auto'),
  Type.Literal('required'),
  Type.Object({ type: Type.Literal('function'), function: Type.Object({ name: Type.String({ minLength: 1 }) }) })
], { errorMessage: 'must be "none", "auto", "required" or {"type":"function","function":{"name":…}}' })

const ResponseFormat = Type.Union([
  Type.Object({ type: Type.Literal('text') }),
  Type.Object({ type: Type.Literal('json_object') }),
  Type.Object({
    type: Type.Literal('json_schema'),
    json_schema: Type.Object({
      name: Type.String({ minLength: 1, maxLength: 64 }),
      description: Type.Optional(Type.String()),
      schema: Type.Optional(Type.Object({}, { additionalProperties: true })),
      strict: Type.Optional(Type.Union([Type.Boolean(), Type.Null()]))
    })
  })
], { errorMessage: 'must be {"type":"text"}, {"type":"json_object"} or {"type":"json_schema","json_schema":{"name":…,"schema":…}}' })

export const UNKNOWN_FIELDS_POLICY =
  'Unknown top-level fields (for example `logprobs`, `presence_penalty`, `reasoning_effort`) are passed unchanged to ' +
  'OpenAI-compatible providers (openai, deepseek, xai, openrouter, ollama), so new upstream parameters work without a ' +
  'gateway release; Anthropic and Gemini requests are built from the fields documented here only, and unknown fields are ' +
  'ignored for them. Unknown fields inside messages and tool calls are likewise passed to OpenAI-compatible providers.'

export const ChatCompletionRequest = Type.Object({
  model: Type.String({
    minLength: 1,
    maxLength: 256,
    // a bare name (`gpt-4o-mini`, a catalog alias) is resolved to `provider/model` by gateway/model-names.ts
    pattern: '^[A-Za-z0-9][A-Za-z0-9_.:@-]*(/[^\\s]+)?$',
    errorMessage: 'must be "provider/model" (e.g. "openai/gpt-4o-mini"), a model name a configured provider lists, or a catalog alias',
    description: '`provider/model`, e.g. `openai/gpt-4o-mini`, `anthropic/claude-sonnet-4-5`, `gemini/gemini-2.5-flash`; or a bare ' +
      'name (`gpt-4o-mini`: the first configured provider listing it, in the order openai, anthropic, gemini, deepseek, xai, then ' +
      'admin-added providers) or a catalog alias. An unknown bare name answers 404 (`model_not_found`).'
  }),
  messages: Type.Array(ChatMessage, { minItems: 1, maxItems: CHAT_LIMITS.messages, errorMessage: `must be an array of 1 to ${CHAT_LIMITS.messages} messages` }),
  temperature: Type.Optional(Type.Number({ minimum: 0, maximum: 2 })),
  top_p: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
  max_tokens: Type.Optional(Type.Integer({ minimum: 1, maximum: CHAT_LIMITS.maxTokens })),
  max_completion_tokens: Type.Optional(Type.Integer({ minimum: 1, maximum: CHAT_LIMITS.maxTokens, description: 'Preferred over max_tokens when both are given' })),
  stop: Type.Optional(Type.Union([Type.String(), Type.Array(Type.String(), { maxItems: CHAT_LIMITS.stopSequences })],
    { errorMessage: `must be a string or an array of at most ${CHAT_LIMITS.stopSequences} strings` })),
  stream: Type.Optional(Type.Boolean()),
  stream_options: Type.Optional(Type.Object({
    include_usage: Type.Optional(Type.Boolean({ description: 'Send a last chunk with `usage` and no choices before `[DONE]`' })),
    include_cost: Type.Optional(Type.Boolean({ description: 'Hubgate: that last chunk\'s `usage` also carries `cost`, the credits the call is charged (implies include_usage)' }))
  })),
  tools: Type.Optional(Type.Array(ToolDefinition, { maxItems: CHAT_LIMITS.tools })),
  tool_choice: Type.Optional(ToolChoice),
  parallel_tool_calls: Type.Optional(Type.Boolean()),
  response_format: Type.Optional(ResponseFormat),
  seed: Type.Optional(Type.Integer()),
  user: Type.Optional(Type.String({ maxLength: 256 })),
  n: Type.Optional(Type.Integer({ minimum: 1, maximum: 8 }))
}, {
  $id: 'ChatCompletionRequest',
  additionalProperties: true,
  description: `OpenAI Chat Completions request. Limits: at most ${CHAT_LIMITS.messages} messages and nesting depth ` +
    `${CHAT_LIMITS.depth}; the body size limit is CHAT_BODY_LIMIT (413 above it). ${UNKNOWN_FIELDS_POLICY}`
})

// details may be null in some providers' answers (xAI, OpenRouter): kept as sent
const PromptTokensDetails = Type.Union([Type.Object({
  cached_tokens: Type.Optional(Type.Integer({ description: 'Prompt tokens read from the provider\'s cache' })),
  cache_write_tokens: Type.Optional(Type.Integer({ description: 'Prompt tokens written to the cache (Anthropic\'s 5-minute cache writes)' })),
  cache_write_1h_tokens: Type.Optional(Type.Integer({ description: 'Prompt tokens written to the 1-hour cache (Anthropic)' })),
  audio_tokens: Type.Optional(Type.Integer())
}, { additionalProperties: true }), Type.Null()])

const CompletionTokensDetails = Type.Union([Type.Object({
  reasoning_tokens: Type.Optional(Type.Integer({ description: 'Completion tokens spent reasoning (Anthropic thinking is not reported apart)' })),
  audio_tokens: Type.Optional(Type.Integer())
}, { additionalProperties: true }), Type.Null()])

export const Usage = Type.Object({
  prompt_tokens: Type.Integer(),
  completion_tokens: Type.Integer(),
  total_tokens: Type.Integer(),
  prompt_tokens_details: Type.Optional(PromptTokensDetails),
  completion_tokens_details: Type.Optional(CompletionTokensDetails),
  cost: Type.Optional(Type.Number({ description: 'Credits the call is charged; only when asked (header `x-hubgate-include-cost: true`, or `stream_options.include_cost`)' }))
}, { additionalProperties: true })

const FinishReason = Type.Union([
  Type.Literal('stop'), Type.Literal('length'), Type.Literal('tool_calls'), Type.Literal('content_filter'), Type.Literal('function_call')
])

export const ChatCompletion = Type.Object({
  id: Type.String(),
  object: Type.Literal('chat.completion'),
  created: Type.Integer(),
  model: Type.String({ description: 'The model as the provider reported it' }),
  choices: Type.Array(Type.Object({
    index: Type.Integer(),
    message: Type.Object({
      role: Type.Literal('assistant'),
      content: Type.Union([Type.String(), Type.Null()]),
      // required by OpenAI's spec (null when the model did not refuse); translated answers always carry it
      refusal: Type.Optional(Type.Union([Type.String(), Type.Null()])),
      tool_calls: Type.Optional(Type.Array(ToolCall))
    }, { additionalProperties: true }),
    // required by OpenAI's spec; null unless logprobs were asked of an OpenAI-compatible provider
    logprobs: Type.Optional(Type.Union([Type.Object({}, { additionalProperties: true }), Type.Null()])),
    finish_reason: Type.Union([FinishReason, Type.Null()])
  }, { additionalProperties: true })),
  usage: Type.Optional(Usage)
}, {
  $id: 'ChatCompletion',
  additionalProperties: true,
  description: 'The answer; its `x-hubgate-cost` response header states the credits the call is charged (absent when the model has no price)'
})

const ToolCallDelta = Type.Object({
  index: Type.Integer(),
  id: Type.Optional(Type.String()),
  type: Type.Optional(Type.Literal('function')),
  function: Type.Optional(Type.Object({ name: Type.Optional(Type.String()), arguments: Type.Optional(Type.String()) }))
}, { additionalProperties: true })

export const ChatCompletionChunk = Type.Object({
  id: Type.String(),
  object: Type.Literal('chat.completion.chunk'),
  created: Type.Integer(),
  model: Type.String(),
  choices: Type.Array(Type.Object({
    index: Type.Integer(),
    delta: Type.Object({
      role: Type.Optional(Type.Literal('assistant')),
      content: Type.Optional(Type.Union([Type.String(), Type.Null()])),
      tool_calls: Type.Optional(Type.Array(ToolCallDelta))
    }, { additionalProperties: true }),
    finish_reason: Type.Union([FinishReason, Type.Null()])
  }, { additionalProperties: true })),
  usage: Type.Optional(Type.Union([Usage, Type.Null()]))
}, {
  $id: 'ChatCompletionChunk',
  additionalProperties: true,
  description: 'One `data:` event of a streamed answer (`text/event-stream`). The stream ends with `data: [DONE]`; a failure ' +
    'after the stream started is sent as `data: {"error":{"message":"…","type":"…"}}` and the stream closes without `[DONE]`.'
})

export type ChatCompletionRequestType = Static<typeof ChatCompletionRequest>
export type ChatMessageType = Static<typeof ChatMessage>
export type ContentPartType = Static<typeof ContentPart>
export type ToolCallType = Static<typeof ToolCall>
export type ToolDefinitionType = Static<typeof ToolDefinition>
export type UsageType = Static<typeof Usage>
export type ChatCompletionType = Static<typeof ChatCompletion>
export type ChatCompletionChunkType = Static<typeof ChatCompletionChunk>
