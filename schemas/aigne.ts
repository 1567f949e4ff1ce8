import { Type, type Static, type TSchema } from '@sinclair/typebox'
import { CHAT_LIMITS, ChatCompletionRequest } from './chat.js'
import { shapedErrorResponses } from './error.js'

/*
 * The AIGNE protocol as the official client `@aigne/aigne-hub` speaks it (see the README's protocol section):
 * an envelope `{ input, agent, options }` around the model input, camelCase fields, tool-call arguments as
 * JSON objects. Unknown fields inside `input` are ignored, so newer clients keep working.
 */

const Open = { additionalProperties: true }
const JsonObject = Type.Object({}, { additionalProperties: true })

const CacheControl = Type.Optional(Type.Unknown({ description: 'Accepted and ignored (prompt caching is the provider\'s business)' }))

const TextPart = Type.Object({ type: Type.Literal('text'), text: Type.String(), cacheControl: CacheControl }, Open)
const UrlPart = Type.Object({
  type: Type.Literal('url'),
  url: Type.String({ minLength: 1 }),
  mimeType: Type.Optional(Type.String()),
  filename: Type.Optional(Type.String())
}, Open)
const FilePart = Type.Object({
  type: Type.Literal('file'),
  data: Type.String({ minLength: 1, description: 'base64' }),
  mimeType: Type.Optional(Type.String()),
  filename: Type.Optional(Type.String())
}, Open)

export const AigneContentPart = Type.Union([TextPart, UrlPart, FilePart], {
  errorMessage: 'must be a {"type":"text"}, {"type":"url"} or {"type":"file"} part'
})

export const AigneToolCall = Type.Object({
  id: Type.String({ minLength: 1 }),
  type: Type.Literal('function'),
  function: Type.Object({
    name: Type.String({ minLength: 1 }),
    arguments: Type.Object({}, { additionalProperties: true, description: 'The arguments as a JSON object (not a string)' })
  }),
  metadata: Type.Optional(Type.Object({}, { additionalProperties: true, description: 'e.g. Gemini\'s thoughtSignature, sent back upstream' }))
}, Open)

export const AigneMessage = Type.Object({
  role: Type.Union([Type.Literal('system'), Type.Literal('user'), Type.Literal('agent'), Type.Literal('tool')],
    { errorMessage: 'must be one of: system, user, agent, tool' }),
  content: Type.Optional(Type.Union([Type.String(), Type.Array(AigneContentPart, { maxItems: CHAT_LIMITS.partsPerMessage }), Type.Null()], {
    errorMessage: 'must be a string or an array of text / url / file parts (a local file must be sent as "file" with base64 data)'
  })),
  toolCalls: Type.Optional(Type.Array(AigneToolCall, { description: 'agent messages only' })),
  toolCallId: Type.Optional(Type.String({ minLength: 1, description: 'Required on tool messages' })),
  name: Type.Optional(Type.String({ maxLength: 256 })),
  cacheControl: CacheControl
}, Open)

export const AigneTool = Type.Object({
  type: Type.Literal('function'),
  function: Type.Object({
    name: Type.String({ minLength: 1 }),
    description: Type.Optional(Type.String()),
    parameters: Type.Optional(JsonObject)
  }, Open)
}, Open)

const ResponseFormat = Type.Union([
  Type.Object({ type: Type.Literal('text') }, Open),
  Type.Object({
    type: Type.Literal('json_schema'),
    jsonSchema: Type.Object({
      name: Type.String({ minLength: 1 }),
      description: Type.Optional(Type.String()),
      schema: JsonObject,
      strict: Type.Optional(Type.Boolean())
    }, Open)
  }, Open)
], { errorMessage: 'must be {"type":"text"} or {"type":"json_schema","jsonSchema":{"name":…,"schema":…}}' })

export const AigneModelOptions = Type.Object({
  model: Type.Optional(ChatCompletionRequest.properties.model),
  temperature: Type.Optional(Type.Number()),
  topP: Type.Optional(Type.Number()),
  frequencyPenalty: Type.Optional(Type.Number()),
  presencePenalty: Type.Optional(Type.Number()),
  parallelToolCalls: Type.Optional(Type.Boolean()),
  reasoningEffort: Type.Optional(Type.Union([Type.Number(), Type.String()])),
  maxTokens: Type.Optional(Type.Integer({ minimum: 1, description: 'Hubgate extension: max_tokens upstream' }))
}, { additionalProperties: true, description: 'Other options (cacheConfig, modalities, …) are accepted and ignored' })

export const AigneChatInput = Type.Object({
  messages: Type.Array(AigneMessage, { minItems: 1, maxItems: CHAT_LIMITS.messages, errorMessage: `must be an array of 1 to ${CHAT_LIMITS.messages} messages` }),
  modelOptions: Type.Optional(AigneModelOptions),
  tools: Type.Optional(Type.Array(AigneTool, { maxItems: CHAT_LIMITS.tools })),
  toolChoice: Type.Optional(Type.Union([Type.Literal('auto'), Type.Literal('none'), Type.Literal('required'), AigneTool],
    { errorMessage: 'must be "auto", "none", "required" or a tool' })),
  responseFormat: Type.Optional(ResponseFormat),
  outputFileType: Type.Optional(Type.String())
}, { ...Open, errorMessage: 'must be the AIGNE input {"messages":[…],"modelOptions":{"model":"provider/model"}} (or the flat OpenAI-style body {"model":…,"messages":[…]})' })

const InvokeOptions = Type.Object({
  streaming: Type.Optional(Type.Union([Type.Boolean(), Type.Null()])),
  returnProgressChunks: Type.Optional(Type.Union([Type.Boolean(), Type.Null()])),
  userContext: Type.Optional(Type.Union([JsonObject, Type.Null()])),
  memories: Type.Optional(Type.Union([Type.Array(Type.Unknown()), Type.Null()]))
}, { additionalProperties: true, description: 'Only `streaming` changes the answer' })

/** The envelope every AIGNE call shares; `model` at the top level is what clients before 0.4 sent. */
// eslint-disable-next-line @typescript-eslint/explicit-function-return-type -- the inferred TObject keeps the static type
function envelope<T extends TSchema> (input: T, description: string) {
  return Type.Object({
    input,
    agent: Type.Optional(Type.Literal('$CHAT_MODEL', { errorMessage: 'must be "$CHAT_MODEL" (the gateway serves models, not agents)' })),
    options: Type.Optional(Type.Union([InvokeOptions, Type.Null()])),
    model: Type.Optional(ChatCompletionRequest.properties.model)
  }, { additionalProperties: true, description })
}

export const AigneChatRequest = envelope(AigneChatInput,
  'AIGNE model call. The model is `input.modelOptions.model` (`provider/model`); `options.streaming: true` answers server-sent events.')

/**
 * What POST /api/v2/chat accepts: the AIGNE envelope, or the flat OpenAI-style body the AIGNE Hub docs show
 * (`{"model":"openai/gpt-4","messages":[…]}`); either way the answer is the AIGNE output. Told apart by `input`.
 */
export const AigneChatBody = Type.Union([AigneChatRequest, ChatCompletionRequest], {
  errorMessage: 'must be the AIGNE envelope {"input":{"messages":[…],"modelOptions":{"model":"provider/model"}}} ' +
    'or an OpenAI-style body {"model":"provider/model","messages":[…]}'
})

export const AigneUsage = Type.Object({
  inputTokens: Type.Integer(),
  outputTokens: Type.Integer(),
  cacheReadInputTokens: Type.Optional(Type.Integer()),
  cacheCreationInputTokens: Type.Optional(Type.Integer({ description: 'Prompt tokens written to the cache (5-minute and 1-hour writes)' })),
  aigneHubCredits: Type.Optional(Type.Number({ description: 'Credits charged (README "How cost is computed"), when the model has a price' }))
})

export const AigneChatOutput = Type.Object({
  text: Type.Optional(Type.String()),
  thoughts: Type.Optional(Type.String()),
  json: Type.Optional(JsonObject),
  toolCalls: Type.Optional(Type.Array(AigneToolCall)),
  usage: Type.Optional(AigneUsage),
  model: Type.Optional(Type.String())
}, { $id: 'AigneChatOutput' })

export const AIGNE_STREAM_DESCRIPTION =
  'With options.streaming (or "stream": true in the flat body): unnamed events `data: {"delta":{"json":{…}}}` and `data: {"delta":{"text":{"text":"…"}}}` (no `[DONE]`); ' +
  'a failure after the stream started is `event: error` + `data: {"message":"…"}`, then the stream ends.'

export const AigneImageInput = Type.Object({
  prompt: Type.String({ minLength: 1 }),
  n: Type.Optional(Type.Integer({ minimum: 1 })),
  modelOptions: Type.Optional(Type.Object({ model: Type.Optional(ChatCompletionRequest.properties.model) }, {
    additionalProperties: true,
    description: 'size, quality, style, background, outputFormat, outputCompression, moderation, responseFormat may sit here or next to prompt'
  })),
  image: Type.Optional(Type.Array(Type.Unknown(), { maxItems: 0, errorMessage: 'image editing is not supported; send no "image"' })),
  outputFileType: Type.Optional(Type.String())
}, { ...Open, errorMessage: 'must be the AIGNE input {"prompt":"…","modelOptions":{"model":"provider/model"}}' })

export const AigneImageRequest = envelope(AigneImageInput, 'AIGNE image generation (never streamed).')

export const AigneImage = Type.Union([
  Type.Object({ type: Type.Literal('url'), url: Type.String(), mimeType: Type.String() }),
  Type.Object({ type: Type.Literal('file'), data: Type.String({ description: 'base64' }), mimeType: Type.String() })
])

export const AigneImageOutput = Type.Object({
  images: Type.Array(AigneImage),
  usage: AigneUsage,
  model: Type.String()
}, { $id: 'AigneImageOutput' })

export const VIDEO_SECONDS_LIMIT = 60

export const AigneVideoInput = Type.Object({
  prompt: Type.String({ minLength: 1, maxLength: 32_000 }),
  model: Type.Optional(ChatCompletionRequest.properties.model),
  size: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9:x]{1,16}$', description: 'OpenAI: "1280x720" …; Veo: a resolution such as "720p"' })),
  seconds: Type.Optional(Type.String({ pattern: '^[1-9][0-9]?$', description: `Clip length, 1 to ${VIDEO_SECONDS_LIMIT} (the provider accepts its own values: OpenAI 4, 8, 12; Veo 4 to 8); default 4 (OpenAI) or 8 (Veo)` })),
  aspectRatio: Type.Optional(Type.String({ pattern: '^[0-9]{1,2}:[0-9]{1,2}$', description: 'Veo: "16:9" or "9:16"' })),
  modelOptions: Type.Optional(Type.Object({ model: Type.Optional(ChatCompletionRequest.properties.model) }, {
    additionalProperties: true, description: 'size, seconds and aspectRatio may sit here too (the input wins)'
  })),
  image: Type.Optional(Type.Null({ description: 'image-to-video is not supported; send no "image"' })),
  outputFileType: Type.Optional(Type.String())
}, { ...Open, errorMessage: 'must be the AIGNE input {"prompt":"…","modelOptions":{"model":"provider/model"}}' })

export const AigneVideoRequest = envelope(AigneVideoInput, 'AIGNE video generation (never streamed; the answer may start with spaces while the video is made).')

export const AigneVideoOutput = Type.Object({
  videos: Type.Array(Type.Object({ type: Type.Literal('file'), data: Type.String({ description: 'base64' }), mimeType: Type.String(), filename: Type.String() })),
  usage: AigneUsage,
  model: Type.String(),
  seconds: Type.Number({ description: 'Seconds of video generated (what the call is charged for)' })
}, { $id: 'AigneVideoOutput' })

export const AigneEmbeddingsInput = Type.Object({
  input: Type.Union([Type.String({ minLength: 1 }), Type.Array(Type.String({ minLength: 1 }), { minItems: 1, maxItems: 2048 })],
    { errorMessage: 'must be a non-empty string or an array of 1 to 2048 non-empty strings' }),
  modelOptions: Type.Optional(Type.Object({
    model: Type.Optional(ChatCompletionRequest.properties.model),
    dimensions: Type.Optional(Type.Integer({ minimum: 1 }))
  }, Open))
}, Open)

export const AigneEmbeddingsRequest = envelope(AigneEmbeddingsInput, 'AIGNE embeddings: `input.input` is the text or texts.')

export const AigneEmbeddingsOutput = Type.Object({
  embeddings: Type.Array(Type.Array(Type.Number()), { description: 'One vector per input, in order' }),
  usage: AigneUsage,
  model: Type.String()
}, { $id: 'AigneEmbeddingsOutput' })

export const AigneModelType = Type.Union([Type.Literal('chat'), Type.Literal('embedding'), Type.Literal('image'), Type.Literal('video')],
  { errorMessage: 'must be one of: chat, embedding, image, video' })

export const AigneModelEntry = Type.Object({
  key: Type.String({ description: '`provider/model`, the name to call it by' }),
  model: Type.String({ description: 'The model id without the provider' }),
  type: Type.String({ description: 'chat, embedding or image' }),
  provider: Type.String(),
  input_credits_per_token: Type.String({ description: 'Catalog inputRate / 1e6 as a decimal; "" when the catalog sets no price' }),
  output_credits_per_token: Type.String({ description: 'Catalog outputRate / 1e6 as a decimal; "" when the catalog sets no price' }),
  modelMetadata: Type.Union([JsonObject, Type.Null()]),
  providerDisplayName: Type.String(),
  status: Type.Union([Type.Object({ available: Type.Boolean() }), Type.Null()])
})

export const AigneModelList = Type.Array(AigneModelEntry, { $id: 'AigneModelList' })

export const AigneStatus = Type.Object({
  available: Type.Boolean(),
  error: Type.Optional(Type.String()),
  code: Type.Optional(Type.String())
}, { $id: 'AigneStatus' })

export const Discovery = Type.Object({
  componentMountPoints: Type.Array(Type.Object({
    did: Type.String(),
    name: Type.String(),
    title: Type.String(),
    mountPoint: Type.String()
  }))
}, { $id: 'BlockletDiscovery' })

/**
 * Error body of the AIGNE and AI Kit routes (see protocols/aigne/errors.ts): the official client shows
 * `error.message`; `message` repeats it so readers of the standard body still find it.
 */
export const AigneErrorBody = Type.Object({
  error: Type.Object({
    message: Type.String(),
    type: Type.String({ description: 'invalid_request_error, not_found_error, rate_limit_error, upstream_error, timeout_error, api_error' })
  }),
  message: Type.String()
}, { $id: 'AigneErrorBody', description: 'Errors of the AIGNE and legacy routes (a 401 is always the standard body)' })

/** Error statuses a model call can answer (402: the key's credit limit is reached). */
export const MODEL_CALL_ERRORS = [400, 401, 402, 404, 413, 422, 429, 502, 503, 504] as const

/** Response schemas for error statuses of an AIGNE-shaped route: 401 keeps the standard body. */
export function aigneErrorResponses (...statuses: number[]): Record<number, TSchema> {
  return shapedErrorResponses(AigneErrorBody, statuses)
}

export type AigneChatRequestType = Static<typeof AigneChatRequest>
export type AigneChatInputType = Static<typeof AigneChatInput>
export type AigneMessageType = Static<typeof AigneMessage>
export type AigneToolCallType = Static<typeof AigneToolCall>
export type AigneToolType = Static<typeof AigneTool>
export type AigneUsageType = Static<typeof AigneUsage>
export type AigneChatOutputType = Static<typeof AigneChatOutput>
export type AigneImageInputType = Static<typeof AigneImageInput>
export type AigneVideoInputType = Static<typeof AigneVideoInput>
export type AigneVideoOutputType = Static<typeof AigneVideoOutput>
export type AigneImageType = Static<typeof AigneImage>
export type AigneEmbeddingsInputType = Static<typeof AigneEmbeddingsInput>
export type AigneModelEntryType = Static<typeof AigneModelEntry>
export type AigneModelTypeType = Static<typeof AigneModelType>
