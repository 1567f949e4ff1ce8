import { Type, type Static } from '@sinclair/typebox'
import { CHAT_LIMITS } from './chat.js'
import { EmbeddingsInput } from './embeddings.js'
import { IMAGE_LIMITS } from './images.js'

/*
 * The V1 / legacy "AI Kit" format older AIGNE clients speak (camelCase, `prompt` or `messages`). These
 * routes are deprecated: new clients use the AIGNE protocol or the OpenAI-compatible routes.
 * Like the AIGNE Hub, unknown fields are ignored and null means "not set".
 */

const Open = { additionalProperties: true }
/** An optional field that may also be null; `what` names the expected value in the error message. */
const Nullable = <T extends Parameters<typeof Type.Optional>[0]>(schema: T, what: string) =>
  Type.Optional(Type.Union([schema, Type.Null()], { errorMessage: `must be ${what} or null` }))

const LegacyModel = Type.String({
  minLength: 1,
  maxLength: 256,
  description: '`provider/model`, or a bare model name whose vendor is evident (gpt-4o → openai, claude-… → anthropic, gemini-… → gemini)'
})

const ImageUrl = Type.Object({ url: Type.String({ minLength: 1 }) }, Open)
const LegacyPart = Type.Union([
  Type.Object({ type: Type.Literal('text'), text: Type.String() }, Open),
  Type.Object({ type: Type.Literal('image_url'), imageUrl: Type.Optional(ImageUrl), image_url: Type.Optional(ImageUrl) }, Open)
], { errorMessage: 'must be a {"type":"text"} or {"type":"image_url","imageUrl":{"url":…}} part' })

export const LegacyToolCall = Type.Object({
  id: Type.String({ minLength: 1 }),
  type: Type.Literal('function'),
  function: Type.Object({ name: Type.String({ minLength: 1 }), arguments: Type.String({ description: 'JSON text' }) })
}, Open)

export const LegacyMessage = Type.Object({
  role: Type.Union([Type.Literal('system'), Type.Literal('user'), Type.Literal('assistant'), Type.Literal('tool')],
    { errorMessage: 'must be one of: system, user, assistant, tool' }),
  content: Nullable(Type.Union([Type.String(), Type.Array(LegacyPart, { maxItems: CHAT_LIMITS.partsPerMessage })]), 'a string, an array of text / image_url parts'),
  name: Nullable(Type.String({ maxLength: 256 }), 'a string of at most 256 characters'),
  toolCalls: Nullable(Type.Array(LegacyToolCall), 'an array of {id, type: "function", function: {name, arguments}}'),
  tool_calls: Nullable(Type.Array(LegacyToolCall), 'an array of {id, type: "function", function: {name, arguments}}'),
  toolCallId: Nullable(Type.String({ minLength: 1 }), 'a non-empty string'),
  tool_call_id: Nullable(Type.String({ minLength: 1 }), 'a non-empty string')
}, Open)

const LegacyTool = Type.Object({
  type: Type.Literal('function'),
  function: Type.Object({
    name: Type.String({ minLength: 1 }),
    description: Nullable(Type.String(), 'a string'),
    parameters: Type.Optional(Type.Object({}, Open))
  }, Open)
}, Open)

export const LegacyChatRequest = Type.Object({
  model: LegacyModel,
  prompt: Type.Optional(Type.String({ minLength: 1 })),
  messages: Type.Optional(Type.Array(LegacyMessage, { minItems: 1, maxItems: CHAT_LIMITS.messages, errorMessage: `must be an array of 1 to ${CHAT_LIMITS.messages} messages` })),
  stream: Nullable(Type.Boolean(), 'a boolean'),
  temperature: Nullable(Type.Number(), 'a number'),
  topP: Nullable(Type.Number(), 'a number'),
  presencePenalty: Nullable(Type.Number(), 'a number'),
  frequencyPenalty: Nullable(Type.Number(), 'a number'),
  maxTokens: Nullable(Type.Integer({ minimum: 1 }), 'a positive integer'),
  tools: Nullable(Type.Array(LegacyTool, { maxItems: CHAT_LIMITS.tools }), `an array of at most ${CHAT_LIMITS.tools} function tools`),
  toolChoice: Nullable(Type.Union([
    Type.Literal('auto'), Type.Literal('none'), Type.Literal('required'),
    Type.Object({ type: Type.Literal('function'), function: Type.Object({ name: Type.String({ minLength: 1 }) }, Open) }, Open)
  ]), '"auto", "none", "required", {"type":"function","function":{"name":…}}'),
  responseFormat: Nullable(Type.Object({
    type: Type.Union([Type.Literal('text'), Type.Literal('json_object'), Type.Literal('json_schema')], { errorMessage: 'must be text, json_object or json_schema' }),
    jsonSchema: Type.Optional(Type.Object({
      name: Type.String({ minLength: 1 }),
      description: Nullable(Type.String(), 'a string'),
      schema: Type.Object({}, Open),
      strict: Nullable(Type.Boolean(), 'a boolean')
    }, Open))
  }, Open), '{"type": "text" | "json_object" | "json_schema", "jsonSchema"?: {…}}')
}, {
  ...Open,
  description: 'AI Kit chat request: exactly one of `prompt` (one user message) and `messages`. Answered as server-sent events when the ' +
    'Accept header includes text/event-stream; as plain text pieces with "stream": true otherwise; else as one JSON object.'
})

export const LegacyUsage = Type.Object({
  promptTokens: Type.Integer(),
  completionTokens: Type.Integer(),
  totalTokens: Type.Integer(),
  aigneHubCredits: Type.Optional(Type.Number())
})

export const LegacyChatResponse = Type.Object({
  role: Type.Literal('assistant'),
  text: Type.String(),
  content: Type.String(),
  toolCalls: Type.Optional(Type.Array(LegacyToolCall)),
  usage: Type.Optional(LegacyUsage)
}, { $id: 'LegacyChatResponse' })

export const LEGACY_STREAM_DESCRIPTION =
  'Server-sent events (Accept: text/event-stream): `data: {"delta":{"role"?,"content"?,"toolCalls"?}}` …, then ' +
  '`data: {"usage":{"promptTokens","completionTokens","totalTokens"}}`; no `[DONE]`. A failure after the start is ' +
  '`data: {"error":{"message","type"}}`. With "stream": true and no such Accept header: the text itself, in pieces ' +
  '(text/plain), a failure appended as `ERROR: <message>`.'

export const LegacyEmbeddingsRequest = Type.Object({ model: LegacyModel, input: EmbeddingsInput }, { ...Open, description: 'AI Kit embeddings request' })

export const LegacyImageRequest = Type.Object({
  model: LegacyModel,
  prompt: Type.String({ minLength: 1, maxLength: IMAGE_LIMITS.prompt }),
  n: Nullable(Type.Integer({ minimum: 1, maximum: IMAGE_LIMITS.n }), `an integer from 1 to ${IMAGE_LIMITS.n}`),
  size: Nullable(Type.String(), 'a string'),
  quality: Nullable(Type.String(), 'a string'),
  style: Nullable(Type.String(), 'a string'),
  responseFormat: Nullable(Type.String(), 'a string'),
  response_format: Nullable(Type.String(), 'a string'),
  background: Nullable(Type.String(), 'a string'),
  outputFormat: Nullable(Type.String(), 'a string'),
  outputCompression: Nullable(Type.Integer(), 'an integer'),
  moderation: Nullable(Type.String(), 'a string'),
  image: Type.Optional(Type.Array(Type.Unknown(), { maxItems: 0, errorMessage: 'image editing is not supported; send no "image"' }))
}, { ...Open, description: 'AI Kit image generation request' })

const LegacyImage = Type.Object({
  url: Type.Optional(Type.String()),
  b64_json: Type.Optional(Type.String()),
  b64Json: Type.Optional(Type.String({ description: 'The same base64 data, as AI Kit clients name it' }))
})

export const LegacyImageResponse = Type.Object({
  images: Type.Array(LegacyImage),
  data: Type.Array(LegacyImage, { description: 'The same images again (AI Kit clients read either)' }),
  model: Type.String(),
  usage: Type.Object({ aigneHubCredits: Type.Optional(Type.Number()) })
}, { $id: 'LegacyImageResponse' })

export type LegacyChatRequestType = Static<typeof LegacyChatRequest>
export type LegacyMessageType = Static<typeof LegacyMessage>
export type LegacyToolCallType = Static<typeof LegacyToolCall>
export type LegacyUsageType = Static<typeof LegacyUsage>
export type LegacyChatResponseType = Static<typeof LegacyChatResponse>
export type LegacyImageRequestType = Static<typeof LegacyImageRequest>
